/*
 * kgcheck.c - --check: compare the published key record with a key file.
 */
#include "config.h"

#include "kgcheck.h"

#include <string.h>

#include "dkim/dkimrec.h"
#include "dns/dns.h"
#include "core/mem.h"

/* Appends each line of lines to msg, indented by two spaces. */
static void indent_lines(const str_t *lines, str_t *msg)
{
    const char *p = lines->buf, *end = lines->buf + lines->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        str_append_cstr(msg, "  ");
        str_append(msg, p, n);
        p += n;
    }
}

kgcheck_result kgcheck_judge(const char *const *txt, const size_t *len, size_t n,
                             const dkimkey_t *key, str_t *msg)
{
    str_t lines;
    str_init(&lines);
    dkimrec_verdict v = dkimrec_judge(txt, len, n, key, &lines);
    kgcheck_result r = KGCHECK_ERROR;
    switch (v) {
    case DKIMREC_MATCH: r = KGCHECK_MATCH; break;
    case DKIMREC_DIFFERENT: r = KGCHECK_DIFFERENT; break;
    case DKIMREC_MALFORMED: r = KGCHECK_MALFORMED; break;
    case DKIMREC_ERROR: break;
    }
    if (r == KGCHECK_ERROR)
        str_append(msg, lines.buf, lines.len);
    else
        indent_lines(&lines, msg);
    str_free(&lines);
    return r;
}

/* Loads the key without refusing it, but warns like milterkit-dkim would. */
static int load_key(const kgcheck_args *a, dkimkey_t **key, str_t *why)
{
    dkimkey_reader_t reader;
    str_t perm;

    if (dkimkey_load_file(a->keyfile, NULL, key, why) < 0)
        return -1;
    str_init(&perm);
    if (dkimkey_reader_for(a->user != NULL ? a->user : "milterkit", a->group, &reader, &perm) < 0) {
        fprintf(stderr, "milterkit-keygen: warning: cannot judge %s as milterkit-dkim would: %s\n",
                a->keyfile, perm.buf);
    } else {
        if (dkimkey_check_path(a->keyfile, &reader, &perm) < 0)
            fprintf(stderr, "milterkit-keygen: warning: milterkit-dkim would refuse this key: %s\n",
                    perm.buf);
        dkimkey_reader_free(&reader);
    }
    str_free(&perm);
    return 0;
}

/* Maps a lookup that found nothing usable to a verdict. */
static kgcheck_result not_found(dns_status st, const dns_txts *txts, str_t *msg)
{
    const char *why = txts->info.why != NULL ? txts->info.why : "";
    switch (st) {
    case DNS_NOTFOUND:
        str_printf(msg, "  no TXT record at this name%s%s\n", *why ? ": " : "", why);
        return KGCHECK_ABSENT;
    case DNS_FOUND: /* every record dropped as oversized */
        str_printf(msg, "  the TXT record is too large (over %d bytes)\n", DNS_MAX_TXT_BYTES);
        return KGCHECK_MALFORMED;
    case DNS_TEMPFAIL:
    case DNS_PERMFAIL:
        break;
    }
    str_printf(msg, "  lookup failed (%s): %s\n", dns_status_name(st), *why ? why : "no reason");
    return KGCHECK_DNS_ERROR;
}

static kgcheck_result lookup_and_judge(const kgcheck_args *a, const char *name,
                                       const dkimkey_t *key, str_t *msg)
{
    dns_config cfg = { .servers = (const char *const *)a->servers, .nservers = a->nservers,
                       .timeout_ms = (unsigned)a->timeout * 1000u };
    dns *d = NULL;
    const char *err;
    if (dns_new(&cfg, &d, &err) < 0) {
        str_printf(msg, "cannot set up the DNS resolver: %s", err);
        return KGCHECK_ERROR;
    }
    dns_txts txts;
    memset(&txts, 0, sizeof txts);
    dns_status st = dns_txt(d, name, &txts);
    kgcheck_result r;
    if (st == DNS_FOUND && txts.count > 0)
        r = kgcheck_judge((const char *const *)txts.rec, txts.len, txts.count, key, msg);
    else
        r = not_found(st, &txts, msg);
    if (txts.info.truncated)
        str_printf(msg, "  warning: some TXT records were too large or too many to read\n");
    dns_txts_free(&txts);
    dns_free(&d);
    return r;
}

static const char *verdict(kgcheck_result r)
{
    switch (r) {
    case KGCHECK_MATCH: return "published-and-matching";
    case KGCHECK_DIFFERENT: return "published-but-different";
    case KGCHECK_ABSENT: return "absent";
    case KGCHECK_DNS_ERROR: return "dns-error";
    case KGCHECK_MALFORMED: return "malformed-record";
    case KGCHECK_ERROR: break;
    }
    return "error";
}

kgcheck_result kgcheck_run(const kgcheck_args *a, FILE *out, str_t *why)
{
    dkimkey_t *key = NULL;
    if (load_key(a, &key, why) < 0)
        return KGCHECK_ERROR;
    str_t name, msg;
    str_init(&name);
    str_init(&msg);
    str_printf(&name, "%s._domainkey.%s", a->selector, a->domain);
    kgcheck_result r = lookup_and_judge(a, name.buf, key, &msg);
    if (r == KGCHECK_ERROR)
        str_append(why, msg.buf, msg.len);
    else
        fprintf(out, "%s: %s\n%s", name.buf, verdict(r), msg.buf);
    str_free(&name);
    str_free(&msg);
    dkimkey_free(&key);
    return r;
}
