/* ck_dnscheck.c - what receivers see in DNS; see ck_dnscheck.h. */
#include "config.h"

#include "ck_dnscheck.h"

#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "ck_dmarc.h"
#include "core/mem.h"
#include "dns/fcrdns.h"

#define MAX_ADDRS 8

/* The addresses of host (an address itself, or its A, then AAAA records),
 * at most MAX_ADDRS. */
static size_t addresses(const dns_resolver *rv, const char *host, cidr_addr *out,
                        bool *tempfail)
{
    static const int families[] = {AF_INET, AF_INET6};
    size_t n = 0;

    *tempfail = false;
    if (cidr_addr_parse(host, &out[0]) == 0)
        return 1;
    for (size_t f = 0; f < 2; f++) {
        dns_addrs a;
        dns_status st;

        memset(&a, 0, sizeof a);
        st = rv->addrs(rv->ctx, host, families[f], &a);
        if (st == DNS_TEMPFAIL)
            *tempfail = true;
        for (size_t i = 0; st == DNS_FOUND && i < a.count && n < MAX_ADDRS; i++)
            out[n++] = a.addr[i];
    }
    return n;
}

/* "ip4:A ip6:B ..." */
static void spf_terms(const cidr_addr *a, size_t n, str_t *out)
{
    char buf[64];

    for (size_t i = 0; i < n; i++) {
        cidr_addr_format(&a[i], buf, sizeof buf);
        str_printf(out, "%sip%c:%s", i ? " " : "", cidr_addr_is_v4(&a[i]) ? '4' : '6', buf);
    }
}

static void dkim_coverage(ck_report *r, const ck_conf *c, const char *domain)
{
    str_t item, fix;
    size_t keys = 0;

    for (size_t i = 0; i < c->nkeys; i++)
        if (strcasecmp(c->keys[i].domain, domain) == 0)
            keys++;
    str_init(&item), str_init(&fix);
    str_printf(&item, "dkim %s", domain);
    if (keys > 0) {
        ck_itemf(r, CK_OK, item.buf, NULL, "%zu signing key%s in dkim.keys (see \"key\" items)",
                 keys, keys == 1 ? "" : "s");
    } else {
        str_printf(&fix, "milterkit-keygen -d %s -D /etc/milterkit/keys/%s, then add the "
                   "dkim.keys entry it prints to %s and publish its record", domain, domain,
                   c->path);
        ck_itemf(r, CK_WARN, item.buf, fix.buf,
                 "no key in dkim.keys signs for %s: its mail leaves unsigned, and DMARC then "
                 "rests on SPF alone", domain);
    }
    str_free(&item), str_free(&fix);
}

static void spf_fix(const char *domain, const str_t *record, const cidr_addr *a, size_t n,
                    str_t *fix)
{
    str_t terms;

    str_init(&terms);
    spf_terms(a, n, &terms);
    if (n == 0)
        str_printf(fix, "%s the SPF record of %s with the ISP's include: term (ask the ISP "
                   "which), and make sure the relay's name resolves",
                   record->len == 0 ? "publish" : "complete", domain);
    else if (record->len == 0)
        str_printf(fix, "publish at %s the TXT record \"v=spf1 %s ~all\" (or the ISP's "
                   "include: term instead of the addresses)", domain, terms.buf);
    else
        str_printf(fix, "add %s (or the ISP's include: term) to the SPF record of %s, before "
                   "its all term", terms.buf, domain);
    str_free(&terms);
}

static void spf_check(ck_report *r, const ck_conf *c, const dns_resolver *rv,
                      const ck_spf_engine *spf, const char *domain, const cidr_addr *a, size_t n,
                      const char *via)
{
    str_t item, record, why, fix, finding;
    ck_spf_result rec;
    ck_status worst = CK_OK;

    (void)c;
    str_init(&item), str_init(&record), str_init(&why), str_init(&fix), str_init(&finding);
    str_printf(&item, "spf %s", domain);
    rec = ck_spf_record(rv, domain, &record, &why);
    if (rec == CK_SPF_NONE || rec == CK_SPF_PERMERROR || rec == CK_SPF_TEMPERROR) {
        if (rec == CK_SPF_NONE)
            str_printf(&finding, "no SPF record: receivers see spf=none; DMARC then rests on "
                       "DKIM (d=%s) alone", domain);
        else
            str_printf(&finding, "%s (spf=%s at receivers)", why.buf, ck_spf_result_name(rec));
        spf_fix(domain, &record, a, n, &fix);
        ck_item(r, CK_WARN, item.buf, finding.buf, fix.buf);
        goto out;
    }
    ck_report_safe(&finding, record.buf, record.len, 300, false);
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        ck_spf_result res;

        str_clear(&why);
        res = spf->check(spf->ctx, domain, &a[i], &why);
        cidr_addr_format(&a[i], buf, sizeof buf);
        str_printf(&finding, "\nfor %s (%s): %s: ", buf, via, ck_spf_result_name(res));
        ck_report_safe(&finding, why.buf, why.len, 300, false);
        if (res != CK_SPF_PASS)
            worst = CK_WARN;
    }
    if (n == 0) {
        str_printf(&finding, "\nno address to judge it for (%s has none)", via);
        worst = CK_WARN;
    }
    if (worst == CK_OK) {
        ck_item(r, CK_OK, item.buf, finding.buf, NULL);
    } else {
        str_printf(&finding, "\nreceivers will not see spf=pass for mail relayed by %s: DKIM "
                   "(d=%s) is then what aligns for DMARC", via, domain);
        spf_fix(domain, &record, a, n, &fix);
        ck_item(r, CK_WARN, item.buf, finding.buf, fix.buf);
    }
out:
    str_free(&item), str_free(&record), str_free(&why), str_free(&fix), str_free(&finding);
}

static void dmarc_check(ck_report *r, const dns_resolver *rv, const char *domain)
{
    str_t item, at, why, fix;
    ck_dmarc d;

    str_init(&item), str_init(&at), str_init(&why), str_init(&fix);
    ck_dmarc_init(&d);
    str_printf(&item, "dmarc %s", domain);
    str_printf(&fix, "publish at _dmarc.%s the TXT record \"v=DMARC1; p=none; "
               "rua=mailto:postmaster@%s\" (p=quarantine or p=reject once reports show "
               "your mail passing)", domain, domain);
    switch (ck_dmarc_lookup(rv, domain, &d, &at, &why)) {
    case CK_DMARC_FOUND:
        ck_itemf(r, CK_OK, item.buf, NULL, "%s: p=%s%s%s%s", at.buf, d.p.buf,
                 d.sp.len ? ", sp=" : "", d.sp.len ? d.sp.buf : "",
                 strcasecmp(d.p.buf, "none") == 0 ? " (receivers only report)" : "");
        break;
    case CK_DMARC_ABSENT:
        ck_itemf(r, CK_WARN, item.buf, fix.buf,
                 "no DMARC record at _dmarc.%s nor a parent: receivers apply no policy and "
                 "send no reports", domain);
        break;
    case CK_DMARC_INVALID:
    case CK_DMARC_TEMPFAIL: {
        str_t safe;

        str_init(&safe);
        ck_report_safe(&safe, why.buf, why.len, 400, false);
        ck_itemf(r, CK_WARN, item.buf, fix.buf, "%s", safe.buf);
        str_free(&safe);
        break;
    }
    }
    ck_dmarc_free(&d);
    str_free(&item), str_free(&at), str_free(&why), str_free(&fix);
}

static void ptr_check(ck_report *r, const ck_conf *c, const dns_resolver *rv)
{
    cidr_addr a[MAX_ADDRS];
    bool temp;
    size_t n = addresses(rv, c->site.hostname, a, &temp);
    str_t item, fix;

    str_init(&item), str_init(&fix);
    str_printf(&item, "ptr %s", c->site.hostname);
    if (n == 0) {
        str_printf(&fix, "publish an A (and AAAA) record for %s with your public address",
                   c->site.hostname);
        ck_itemf(r, CK_WARN, item.buf, temp ? "check site.dns and run milterkit-check again"
                                            : fix.buf,
                 "%s has no address in DNS%s: roaming clients cannot find the submission "
                 "server by name", c->site.hostname, temp ? " (the lookup failed)" : "");
    }
    for (size_t i = 0; i < n; i++) {
        fcrdns_result fr;
        char buf[64];

        cidr_addr_format(&a[i], buf, sizeof buf);
        fcrdns_check(rv, &a[i], 0, &fr);
        str_clear(&fix);
        str_printf(&fix, "ask whoever runs the reverse zone of %s (your ISP) for a PTR record "
                   "%s -> %s", buf, buf, c->site.hostname);
        if (fr.status == FCRDNS_OK)
            ck_itemf(r, CK_OK, item.buf, NULL, "%s -> %s -> %s (forward-confirmed)", buf,
                     fr.name, buf);
        else
            ck_itemf(r, CK_WARN, item.buf, fix.buf,
                     "%s: reverse DNS %s (%s); receivers that the server talks to directly "
                     "distrust it (mail relayed by the ISP is judged by the ISP's name)",
                     buf, fcrdns_status_name(fr.status), fr.why ? fr.why : "");
        fcrdns_result_free(&fr);
    }
    str_free(&item), str_free(&fix);
}

/* site.domain and the key domains, each once. */
static size_t domains(const ck_conf *c, const char **out, size_t max)
{
    size_t n = 0;

    out[n++] = c->site.domain;
    for (size_t i = 0; i < c->nkeys && n < max; i++) {
        bool seen = false;

        for (size_t j = 0; j < n && !seen; j++)
            seen = strcasecmp(out[j], c->keys[i].domain) == 0;
        if (!seen)
            out[n++] = c->keys[i].domain;
    }
    return n;
}

void ck_dnscheck(ck_report *r, const ck_conf *c, const dns_resolver *rv,
                 const ck_spf_engine *spf)
{
    const char *doms[64];
    size_t nd = domains(c, doms, sizeof doms / sizeof doms[0]);
    cidr_addr relay[MAX_ADDRS];
    const char *via = c->smarthost != NULL ? c->smarthost : c->site.hostname;
    bool temp;
    size_t nrelay = addresses(rv, via, relay, &temp);

    for (size_t i = 0; i < nd; i++) {
        dkim_coverage(r, c, doms[i]);
        spf_check(r, c, rv, spf, doms[i], relay, nrelay, via);
        dmarc_check(r, rv, doms[i]);
    }
    ptr_check(r, c, rv);
}
