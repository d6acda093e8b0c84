/* ck_keys.c - signing keys against their DNS records; see ck_keys.h. */
#include "config.h"

#include "ck_keys.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "dkim/dkimkey.h"
#include "dkim/dkimrec.h"

/* Fix: the record to publish for key. */
static void publish_fix(const ck_key *k, const dkimkey_t *key, str_t *fix)
{
    str_t p;
    const char *err;
    dkimrec_spec spec = {.k = dkimkey_type_name(key)};

    str_init(&p);
    if (dkimkey_public_dns(key, &p, &err) < 0) {
        str_printf(fix, "publish the record milterkit-keygen wrote beside the key (%s.txt)",
                   k->selector);
    } else {
        spec.p = p.buf;
        str_printf(fix, "publish at %s._domainkey.%s the TXT record\n", k->selector, k->domain);
        dkimrec_format(&spec, fix);
        str_printf(fix, "\n(then: milterkit-keygen --check -d %s -s %s -k %s)", k->domain,
                   k->selector, k->path);
    }
    str_free(&p);
}

/* Loads the key as we are; reports and returns NULL when we cannot. */
static dkimkey_t *load(ck_report *r, const char *item, const ck_key *k)
{
    dkimkey_t *key = NULL;
    str_t why, fix;

    str_init(&why), str_init(&fix);
    errno = 0;
    if (access(k->path, R_OK) != 0 && errno == EACCES && geteuid() != 0) {
        ck_itemf(r, CK_WARN, item, "run milterkit-check as root",
                 "cannot read %s as uid %ld to compare it with DNS", k->path, (long)geteuid());
    } else if (dkimkey_load_file(k->path, NULL, &key, &why) < 0) {
        str_printf(&fix, "make a key: milterkit-keygen -d %s -s %s -D DIR, and point dkim.keys "
                   "at it", k->domain, k->selector);
        ck_itemf(r, CK_FAIL, item, fix.buf, "%s", why.buf);
    }
    str_free(&why), str_free(&fix);
    return key;
}

/* The key file rule of milterkit-dkim (lib/dkim: dkimkey_check_path), judged
 * for site.user as -n, the start and every reload judge it.  Appends the
 * problem and its fix; returns whether the daemon refuses the key. */
static bool key_rule(const ck_conf *c, const ck_key *k, str_t *problem, str_t *fix)
{
    dkimkey_reader_t reader;
    str_t why;
    bool refused = false;
    const char *run;

    str_init(&why);
    if (dkimkey_reader_named(c->site.user, c->site.group, &reader, &why) < 0) {
        str_printf(problem, "site.user: %s\n", why.buf);
        str_printf(fix, "create the user: adduser --system --group --no-create-home %s\n",
                   c->site.user);
        str_free(&why);
        return true;
    }
    if (dkimkey_check_path(k->path, &reader, &why) < 0) {
        refused = true;
        run = strstr(why.buf, "; run `");
        if (run != NULL) {
            str_printf(fix, "%s\n", run + 2);
            str_printf(problem, "milterkit-dkim refuses it: %.*s\n", (int)(run - why.buf),
                       why.buf);
        } else {
            const char *advice = strrchr(why.buf, ';');

            str_printf(problem, "milterkit-dkim refuses it: %.*s\n",
                       (int)(advice != NULL ? advice - why.buf : (ptrdiff_t)why.len), why.buf);
            if (advice != NULL)
                str_printf(fix, "%s (milterkit-dkim(8), \"Key files\")\n", advice + 2);
            else
                str_printf(fix, "see milterkit-dkim(8), \"Key files\"\n");
        }
    }
    dkimkey_reader_free(&reader);
    str_free(&why);
    return refused;
}

/* The records at the selector judged; the status and the finding. */
static ck_status judge_dns(const dns_resolver *rv, const ck_key *k, const dkimkey_t *key,
                           str_t *finding, bool *publish)
{
    str_t name, lines;
    dns_txts txts;
    dns_status st;
    ck_status res = CK_FAIL;

    str_init(&name), str_init(&lines);
    memset(&txts, 0, sizeof txts);
    str_printf(&name, "%s._domainkey.%s", k->selector, k->domain);
    st = rv->txt(rv->ctx, name.buf, &txts);
    *publish = false;
    if (st == DNS_FOUND && txts.count > 0) {
        dkimrec_verdict v = dkimrec_judge((const char *const *)txts.rec, txts.len, txts.count,
                                          key, &lines);

        ck_report_safe(finding, lines.buf, lines.len, 2000, true);
        res = v == DKIMREC_MATCH ? CK_OK : CK_FAIL;
        *publish = v != DKIMREC_MATCH;
    } else if (st == DNS_NOTFOUND) {
        str_printf(finding, "%s: no TXT record: the key is not published\n", name.buf);
        *publish = true;
    } else {
        str_printf(finding, "%s: DNS lookup failed (%s): %s\n", name.buf, dns_status_name(st),
                   txts.info.why && *txts.info.why ? txts.info.why : "records too large");
        res = CK_WARN;
    }
    dns_txts_free(&txts);
    str_free(&name), str_free(&lines);
    return res;
}

static void key_one(ck_report *r, const ck_conf *c, const ck_key *k, const dns_resolver *rv)
{
    str_t item, finding, problem, fix;
    dkimkey_t *key;
    ck_status st;
    bool publish, dns_trouble;

    str_init(&item), str_init(&finding), str_init(&problem), str_init(&fix);
    str_printf(&item, "key %s/%s", k->domain, k->selector);
    key = load(r, item.buf, k);
    if (key == NULL)
        goto out;
    st = judge_dns(rv, k, key, &finding, &publish);
    dns_trouble = st == CK_WARN;
    if (key_rule(c, k, &problem, &fix)) {
        str_append(&finding, problem.buf, problem.len);
        st = CK_FAIL;
    }
    if (publish)
        publish_fix(k, key, &fix);
    else if (dns_trouble)
        str_append_cstr(&fix, "check site.dns in milterkit.conf and the name servers, then "
                              "run milterkit-check again");
    while (finding.len > 0 && finding.buf[finding.len - 1] == '\n')
        str_truncate(&finding, finding.len - 1);
    while (fix.len > 0 && fix.buf[fix.len - 1] == '\n')
        str_truncate(&fix, fix.len - 1);
    if (st == CK_OK)
        ck_itemf(r, CK_OK, item.buf, NULL, "%s (%s, %d bits): %s", k->path,
                 dkimkey_type_name(key), dkimkey_bits(key), finding.buf);
    else
        ck_itemf(r, st, item.buf, fix.buf, "%s: %s", k->path, finding.buf);
    dkimkey_free(&key);
out:
    str_free(&item), str_free(&finding), str_free(&problem), str_free(&fix);
}

void ck_keys_check(ck_report *r, const ck_conf *c, const dns_resolver *rv)
{
    for (size_t i = 0; i < c->nkeys; i++)
        key_one(r, c, &c->keys[i], rv);
}
