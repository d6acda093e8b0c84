/* test_check_dns.c - milterkit-check's spf and dmarc items (check 6:
 * tools/check/ck_spfcheck, ck_dmarccheck, on lib/auth's engines) against
 * the unit tier's stub DNS (tests/unit/dns_stub), one table row per
 * situation: what the item says (ok or warn, the deciding term, where the
 * DMARC record was found, the policy that applies) and its fix.  Here
 * rather than in tools/check/test_check.c because a program's directory
 * includes only lib/ and itself (tests/check/layers.py); the tool's own
 * end-to-end tests (tests/e2e/check-*.py) run the same items through a
 * real DNS. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/check/ck_dmarccheck.h"
#include "../../tools/check/ck_spfcheck.h"
#include "dns_stub.h"

static const stub_rr zone[] = {
    /* SPF */
    {"pass.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -all"},
    {"pass.example", DNS_T_TXT, "not an SPF record"},
    {"mx.example", DNS_T_TXT, "v=spf1 mx -all"},
    {"mx.example", DNS_T_MX, "10 relay.mx.example"},
    {"relay.mx.example", DNS_T_A, "192.0.2.25"},
    {"macro.example", DNS_T_TXT, "v=spf1 exists:%{i}._spf.macro.example -all"},
    {"192.0.2.25._spf.macro.example", DNS_T_A, "127.0.0.2"},
    {"incl.example", DNS_T_TXT, "v=spf1 include:isp.example -all"},
    {"isp.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.25 ip6:2001:db8::/32 ~all"},
    {"two.example", DNS_T_TXT, "v=spf1 -all"},
    {"two.example", DNS_T_TXT, "v=spf1 +all"},
    {"neutral.example", DNS_T_TXT, "v=spf1 ip4:198.51.100.1"},
    {"many.example", DNS_T_TXT,
     "v=spf1 a:o.example a:o.example a:o.example a:o.example a:o.example a:o.example "
     "a:o.example a:o.example a:o.example a:o.example a:o.example -all"},
    {"o.example", DNS_T_A, "203.0.113.1"},
    {"ctl.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.25\x01 -all"},
    {"nospf.example", DNS_T_TXT, "site-verification=x"},
    /* DMARC */
    {"_dmarc.own.example", DNS_T_TXT, "v=DMARC1; p=quarantine; rua=mailto:d@own.example"},
    {"sub.org.example", DNS_T_A, "192.0.2.7"},
    {"_dmarc.org.example", DNS_T_TXT, "v=DMARC1; p=reject; sp=quarantine"},
    {"_dmarc.org2.example", DNS_T_TXT, "v=DMARC1; p=reject; sp=quarantine; np=reject"},
    {"_dmarc.t.example", DNS_T_TXT, "v=DMARC1; p=reject; t=y"},
    {"_dmarc.pnone.example", DNS_T_TXT, "v=DMARC1; p=none"},
    {"_dmarc.nop.example", DNS_T_TXT, "v=DMARC1; rua=mailto:d@nop.example"},
    {"_dmarc.several.example", DNS_T_TXT, "v=DMARC1; p=none"},
    {"_dmarc.several.example", DNS_T_TXT, "v=DMARC1; p=reject"},
    {"_dmarc.badp.example", DNS_T_TXT, "v=DMARC1; p=maybe"},
    {"_dmarc.badprua.example", DNS_T_TXT, "v=DMARC1; p=maybe; rua=mailto:d@badprua.example"},
    {"_dmarc.psd.example", DNS_T_TXT, "v=DMARC1; p=reject; psd=y"},
    {"x.psd.example", DNS_T_A, "192.0.2.8"},
};

static const char *const tempfail[] = {"temp.example", "_dmarc.tempd.example", NULL};
static const char *const spent[] = {"spent.example", NULL};

/* The report text of one item made by fn against the stub zone. */
typedef void (*item_fn)(ck_report *r, const dns_resolver *rv, const char *domain,
                        const char *const *addrs);

static char *item_text(item_fn fn, const char *domain, const char *const *addrs)
{
    static dns_stub stub; /* large: not on the stack */
    dns_resolver rv;
    ck_report r;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    memset(&stub, 0, sizeof stub);
    stub.rr = zone, stub.nrr = sizeof zone / sizeof zone[0];
    stub.tempfail = tempfail, stub.spent = spent;
    rv = dns_stub_resolver(&stub);
    ck_report_init(&r, f, false);
    fn(&r, &rv, domain, addrs);
    fclose(f);
    return text;
}

static void spf_item(ck_report *r, const dns_resolver *rv, const char *domain,
                     const char *const *addrs)
{
    cidr_addr a[4];
    size_t n = 0;

    for (; addrs[n] != NULL; n++)
        assert_int_equal(cidr_addr_parse(addrs[n], &a[n]), 0);
    ck_spfcheck(r, rv, NULL, domain, a, n, "relay.example");
}

static void dmarc_item(ck_report *r, const dns_resolver *rv, const char *domain,
                       const char *const *addrs)
{
    (void)addrs;
    ck_dmarccheck(r, rv, NULL, domain);
}

typedef struct item_case {
    item_fn fn;
    const char *domain;
    const char *addrs[3];
    const char *want[4]; /* substrings, the first the item's first line */
} item_case;

#define SPF(d, ...) spf_item, d, __VA_ARGS__
#define DMARC(d)                                                                                   \
    dmarc_item, d,                                                                                 \
    {                                                                                              \
        NULL                                                                                       \
    }

static const item_case items[] = {
    {SPF("pass.example", {"192.0.2.25"}),
     {"ok    spf pass.example: v=spf1 ip4:192.0.2.0/24 -all\n",
      "for 192.0.2.25 (relay.example): pass, decided by ip4:192.0.2.0/24\n"}},
    {SPF("pass.example", {"198.51.100.1"}),
     {"warn  spf pass.example: v=spf1 ip4:192.0.2.0/24 -all\n",
      "for 198.51.100.1 (relay.example): fail, decided by -all\n",
      "receivers will not see spf=pass for mail relayed by relay.example",
      "fix: add ip4:198.51.100.1 (or the ISP's include: term) to the SPF record of "
      "pass.example"}},
    {SPF("pass.example", {"192.0.2.1", "2001:db8::1"}),
     {"warn  spf pass.example", "for 192.0.2.1 (relay.example): pass",
      "for 2001:db8::1 (relay.example): fail, decided by -all",
      "add ip4:192.0.2.1 ip6:2001:db8::1"}},
    /* what the evaluator before lib/auth could not judge ("unknown") */
    {SPF("mx.example", {"192.0.2.25"}),
     {"ok    spf mx.example: v=spf1 mx -all\n", "pass, decided by mx\n"}},
    {SPF("macro.example", {"192.0.2.25"}),
     {"ok    spf macro.example", "pass, decided by exists:%{i}._spf.macro.example\n"}},
    {SPF("macro.example", {"192.0.2.26"}), {"warn  spf macro.example", "fail, decided by -all"}},
    {SPF("incl.example", {"2001:db8::25"}),
     {"ok    spf incl.example", "pass, decided by include:isp.example\n"}},
    {SPF("two.example", {"192.0.2.25"}),
     {"warn  spf two.example: v=spf1 -all\n          v=spf1 +all\n",
      "permerror: more than one SPF record\n", "receivers see spf=permerror",
      "fix: correct the SPF record of two.example (more than one SPF record"}},
    {SPF("many.example", {"192.0.2.25"}),
     {"warn  spf many.example", "permerror: too many DNS lookups"}},
    {SPF("neutral.example", {"192.0.2.25"}),
     {"warn  spf neutral.example", "neutral: no term matched\n", "fix: add ip4:192.0.2.25"}},
    {SPF("none.example", {"192.0.2.25"}),
     {"warn  spf none.example: no SPF record at none.example\n", "none: domain does not exist\n",
      "receivers see spf=none",
      "fix: publish at none.example the TXT record \"v=spf1 ip4:192.0.2.25 ~all\""}},
    {SPF("nospf.example", {"192.0.2.25"}),
     {"warn  spf nospf.example: no SPF record at nospf.example\n", "none: no SPF record\n"}},
    {SPF("none.example", {NULL}),
     {"warn  spf none.example", "no address to judge it for (relay.example has none)",
      "fix: publish the SPF record of none.example with the ISP's include: term"}},
    {SPF("pass.example", {NULL}),
     {"warn  spf pass.example", "fix: complete the SPF record of pass.example"}},
    {SPF("temp.example", {"192.0.2.25"}),
     {"warn  spf temp.example: no answer for the TXT records of temp.example\n",
      "temperror: DNS lookup failed", "fix: look at site.dns"}},
    {SPF("spent.example", {"192.0.2.25"}),
     {"warn  spf spent.example", "temperror: time budget spent", "this check is incomplete"}},
    {SPF("ctl.example", {"192.0.2.25"}), {"warn  spf ctl.example: v=spf1 ip4:192.0.2.25? -all\n"}},

    {DMARC("own.example"),
     {"ok    dmarc own.example: _dmarc.own.example (its own record): p=quarantine t=n psd=u; "
      "receivers apply p=quarantine to mail from own.example that fails DMARC\n"}},
    {DMARC("sub.org.example"),
     {"ok    dmarc sub.org.example: _dmarc.org.example (the organizational domain of "
      "sub.org.example): p=reject sp=quarantine t=n psd=u; receivers apply sp=quarantine"}},
    {DMARC("gone.org2.example"),
     {"ok    dmarc gone.org2.example: _dmarc.org2.example (the organizational domain",
      "p=reject sp=quarantine np=reject", "receivers apply np=reject"}},
    {DMARC("t.example"),
     {"ok    dmarc t.example", "t=y psd=u; receivers apply p=reject (lowered by t=y to "
                               "quarantine) to mail"}},
    {DMARC("pnone.example"), {"ok    dmarc pnone.example", "p=none (they only report)"}},
    {DMARC("nop.example"), {"ok    dmarc nop.example", "no p= (none) t=n psd=u", "p=none"}},
    {DMARC("x.psd.example"),
     {"ok    dmarc x.psd.example: _dmarc.psd.example (a public suffix domain above "
      "x.psd.example): p=reject t=n psd=y; receivers apply p=reject"}},
    {DMARC("absent.example"),
     {"warn  dmarc absent.example: no DMARC record at _dmarc.absent.example nor at a parent",
      "fix: publish at _dmarc.absent.example the TXT record \"v=DMARC1; p=none; "
      "rua=mailto:postmaster@absent.example\""}},
    {DMARC("several.example"),
     {"warn  dmarc several.example: several DMARC records at _dmarc.several.example",
      "fix: leave one DMARC record at _dmarc.several.example"}},
    {DMARC("badp.example"),
     {"warn  dmarc badp.example: the DMARC record at _dmarc.badp.example has an invalid p=",
      "receivers treat it as no record", "fix: correct the record at _dmarc.badp.example"}},
    {DMARC("badprua.example"),
     {"warn  dmarc badprua.example: _dmarc.badprua.example (its own record): p=(invalid)",
      "receivers apply p=none (they only report)", "treat the record as p=none",
      "fix: correct the record at _dmarc.badprua.example"}},
    {DMARC("tempd.example"),
     {"warn  dmarc tempd.example: DMARC could not be judged (DMARC record "
      "lookup failed)",
      "fix: look at site.dns"}},
};

static void dns_items(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        const item_case *c = &items[i];
        char *t = item_text(c->fn, c->domain, c->addrs);

        for (size_t k = 0; k < 4 && c->want[k] != NULL; k++)
            if (strstr(t, c->want[k]) == NULL ||
                (k == 0 && strncmp(t, c->want[0], strlen(c->want[0])) != 0))
                fail_msg("%s: \"%s\" not in:\n%s", c->domain, c->want[k], t);
        free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dns_items),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
