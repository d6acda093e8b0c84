/* ck_dnscheck.c - what receivers see in DNS; see ck_dnscheck.h. */
#include "config.h"

#include "ck_dnscheck.h"

#include <string.h>
#include <strings.h>

#include "ck_dmarccheck.h"
#include "ck_spfcheck.h"
#include "dns/fcrdns.h"

#define MAX_ADDRS 8

/* The addresses of host (an address itself, or its A, then AAAA records),
 * at most MAX_ADDRS. */
static size_t addresses(const dns_resolver *rv, const dns_budget *b, const char *host,
                        cidr_addr *out, bool *tempfail)
{
    static const dns_type types[] = {DNS_T_A, DNS_T_AAAA};
    size_t n = 0;

    *tempfail = false;
    if (cidr_addr_parse(host, &out[0]) == 0)
        return 1;
    for (size_t t = 0; t < 2; t++) {
        dns_answer a;
        dns_status st = rv->lookup(rv->ctx, host, types[t], b, &a);

        if (st == DNS_TEMPFAIL)
            *tempfail = true;
        for (size_t i = 0; st == DNS_FOUND && i < a.count && n < MAX_ADDRS; i++)
            out[n++] = a.rr[i].addr;
        dns_answer_free(&a);
    }
    return n;
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

static void ptr_check(ck_report *r, const ck_conf *c, const dns_resolver *rv,
                      const dns_budget *b)
{
    cidr_addr a[MAX_ADDRS];
    bool temp;
    size_t n = addresses(rv, b, c->site.hostname, a, &temp);
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
        fcrdns_check(rv, &a[i], 0, b, &fr);
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
                 const dns_budget *budget)
{
    const char *doms[64];
    size_t nd = domains(c, doms, sizeof doms / sizeof doms[0]);
    cidr_addr relay[MAX_ADDRS];
    const char *via = c->smarthost != NULL ? c->smarthost : c->site.hostname;
    bool temp;
    size_t nrelay = addresses(rv, budget, via, relay, &temp);

    for (size_t i = 0; i < nd; i++) {
        dkim_coverage(r, c, doms[i]);
        ck_spfcheck(r, rv, budget, doms[i], relay, nrelay, via);
        ck_dmarccheck(r, rv, budget, doms[i]);
    }
    ptr_check(r, c, rv, budget);
}
