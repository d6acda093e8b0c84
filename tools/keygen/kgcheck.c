/*
 * kgcheck.c - --check: compare the published key record with a key file.
 */
#include "config.h"

#include "kgcheck.h"

#include <string.h>
#include <strings.h>

#include "dns/dns.h"
#include "kgrec.h"
#include "core/log.h"
#include "core/mem.h"

/* Why a well-formed record cannot be used with key, or NULL when it can. */
static const char *unusable(const kgrec *rec, const dkimkey_t *key)
{
    const char *k = rec->k != NULL ? rec->k : "rsa";
    if (rec->p[0] == '\0')
        return "the key is revoked (empty p=)";
    if (strcasecmp(k, "rsa") != 0 && strcasecmp(k, "ed25519") != 0)
        return "unknown key type k=";
    if (strcasecmp(k, dkimkey_type_name(key)) != 0)
        return "k= names another key type than the key file's";
    if (rec->h != NULL && strstr(rec->h, "sha256") == NULL)
        return "h= does not allow sha256";
    if (rec->s != NULL && strstr(rec->s, "*") == NULL && strstr(rec->s, "email") == NULL)
        return "s= excludes email";
    return NULL;
}

/* Same public key?  Compares the decoded p= bytes. */
static bool same_key(const char *published, const str_t *ours_b64)
{
    str_t a, b;
    str_init(&a);
    str_init(&b);
    bool same = dkimkey_b64_decode(published, strlen(published), &a) == 0 &&
                dkimkey_b64_decode(ours_b64->buf, ours_b64->len, &b) == 0 && a.len == b.len &&
                memcmp(a.buf, b.buf, a.len) == 0;
    str_free(&a);
    str_free(&b);
    return same;
}

/* One record's verdict, with a line appended to msg. */
static kgcheck_result judge_one(const char *txt, size_t len, const dkimkey_t *key,
                                const str_t *ours, str_t *msg)
{
    kgrec rec;
    const char *err;
    log_safe_buf sb;
    if (kgrec_parse(txt, len, &rec, &err) < 0) {
        str_printf(msg, "  malformed record (%s): \"%s\"\n", err, log_safe(&sb, txt, len));
        return KGCHECK_MALFORMED;
    }
    kgcheck_result r;
    const char *why = unusable(&rec, key);
    if (why != NULL) {
        str_printf(msg, "  unusable record: %s\n", why);
        r = KGCHECK_DIFFERENT;
    } else if (!same_key(rec.p, ours)) {
        str_printf(msg, "  record holds a different public key\n");
        r = KGCHECK_DIFFERENT;
    } else {
        str_printf(msg, "  record matches the key file%s%s\n",
                   kgrec_has_flag(&rec, "y") ? " (t=y: testing mode)" : "",
                   kgrec_has_flag(&rec, "s") ? " (t=s: no subdomains in i=)" : "");
        r = KGCHECK_MATCH;
    }
    kgrec_free(&rec);
    return r;
}

/* Lower rank wins: match, then different, then malformed. */
static int rank(kgcheck_result r)
{
    return r == KGCHECK_MATCH ? 0 : r == KGCHECK_DIFFERENT ? 1 : 2;
}

kgcheck_result kgcheck_judge(const char *const *txt, const size_t *len, size_t n,
                             const dkimkey_t *key, str_t *msg)
{
    str_t ours;
    const char *err;
    str_init(&ours);
    if (dkimkey_public_dns(key, &ours, &err) < 0) {
        str_printf(msg, "cannot derive the public key: %s\n", err);
        str_free(&ours);
        return KGCHECK_ERROR;
    }
    kgcheck_result best = KGCHECK_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        kgcheck_result r = judge_one(txt[i], len[i], key, &ours, msg);
        if (rank(r) < rank(best))
            best = r;
    }
    if (n > 1)
        str_printf(msg, "  warning: %zu TXT records at this name; verifiers may pick any\n",
                   n);
    str_free(&ours);
    return best;
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
