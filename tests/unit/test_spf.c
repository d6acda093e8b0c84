/*
 * test_spf.c - unit tests of lib/auth's SPF: the record parser
 * (spf_record), macro strings (spf_macro, with RFC 7208 7.4's examples),
 * domain names (dname), and check_host() against a DNS stub
 * (tests/unit/dns_stub.h) for what a real DNS cannot steer: a time budget
 * running out in the middle of a chain, the exact lookups made and
 * counted.  The RFC 7208 suite runs the same code against a real unbound
 * (tests/unit/spf-suite.py).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <string.h>

#include "dns/dnsname.h"
#include "auth/spf.h"
#include "auth/spf_macro.h"
#include "auth/spf_record.h"
#include "core/mem.h"
#include "dns_stub.h"

/* ---- records ---- */

static const char *const valid_records[] = {
    "v=spf1",
    "v=spf1 -all",
    "V=SpF1 ~ALL",
    "v=spf1   a  mx   -all   ",
    "v=spf1 a:mail.example.com/24//64 mx//0 mx/0 ptr ptr:example.org -all",
    "v=spf1 ip4:192.0.2.0/24 ip4:0.0.0.0/0 ip6:2001:db8::/32 ip6:::1.1.1.1/0 ?all",
    "v=spf1 include:_spf.example.com exists:%{ir}.%{v}._spf.%{d2} -all",
    "v=spf1 redirect=_spf.example.com",
    "v=spf1 exp=explain.%{d} -all",
    "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all",
    "v=spf1 default=pass foo=%{c}%{r}%{t}",
    "v=spf1 a:foo:bar/baz.example.com a:foo.example.xn--zckzah a:x.1-2",
    "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all",
    "v=spf1 include:o.spf.example.com. redirect=%{d}.d.spf.example.com.",
    "v=spf1 exists:%{l2r+-}.user.%{d2} exists:%{i}.%{l2r-}.user.%{d2}",
};

typedef struct bad_record {
    const char *text;
    const char *why; /* a substring of the reason */
    size_t len;      /* 0: strlen(text) */
} bad_record;

static const bad_record invalid_records[] = {
    {"v=spf1 -all.", "no argument", 0},
    {"v=spf1 -all:foobar", "no argument", 0},
    {"v=spf1 all/8", "no argument", 0},
    {"v=spf1 ptr/0 -all", "malformed ptr", 0},
    {"v=spf1 a/33 -all", "ip4 prefix", 0},
    {"v=spf1 a//129 -all", "ip6 prefix", 0},
    {"v=spf1 a/24/64 -all", "ip4 prefix", 0},
    {"v=spf1 a:foo.example.com\x01", "character not allowed", 0},
    {"v=spf1 a:111.222.33.44", "top label", 0},
    {"v=spf1 a:abc.123", "top label", 0},
    {"v=spf1 a:museum", "top label", 0},
    {"v=spf1 a:museum.", "top label", 0},
    {"v=spf1 a:example.-com", "top label", 0},
    {"v=spf1 a:example.com:8080", "top label", 0},
    {"v=spf1 a:", "empty domain-spec", 0},
    {"v=spf1 include:", "empty domain-spec", 0},
    {"v=spf1 include", "needs ':'", 0},
    {"v=spf1 include:ip5.example.com/24", "top label", 0},
    {"v=spf1 exists:mail.example.com/24", "top label", 0},
    {"v=spf1 ip4", "without ':'", 0},
    {"v=spf1 ip4:1.2.3", "bad ip4", 0},
    {"v=spf1 ip4:1.2.3.4:8080", "bad ip4", 0},
    {"v=spf1 ip4:01.2.3.4", "bad ip4", 0},
    {"v=spf1 ip4:1.2.3.4/33", "out of range", 0},
    {"v=spf1 ip4:1.2.3.4/032", "bad ip4", 0},
    {"v=spf1 ip4:1.2.3.4//32", "bad ip4", 0},
    {"v=spf1 ip6::CAFE::BABE", "bad ip6", 0},
    {"v=spf1 ip6:::1/129", "out of range", 0},
    {"v=spf1 redirect=a.example.com redirect=b.example.com", "twice", 0},
    {"v=spf1 exp=a.example.com exp=b.example.com", "twice", 0},
    {"v=spf1 redirect=", "empty domain-spec", 0},
    {"v=spf1 exp=-all", "top label", 0},
    {"v=spf1 redirect:t2.example.com", "unknown mechanism", 0},
    {"v=spf1 moo.cow/far_out=man:dog/cat", "unknown mechanism", 0},
    {"v=spf1 1up=foo", "unknown mechanism", 0},
    {"v=spf1 =all", "unknown mechanism", 0},
    {"v=spf1 -redirect=x.example.com", "unknown mechanism", 0},
    {"v=spf1 foo=%abc", "'%' not followed", 0},
    {"v=spf1 exists:%(ir).sbl.example.com", "'%' not followed", 0},
    {"v=spf1 exists:foo%.sbl.example.com", "'%' not followed", 0},
    {"v=spf1 a:foo.example.com%", "at the end", 0},
    {"v=spf1 a:%{a}.example.com", "bad macro letter", 0},
    {"v=spf1 exp=%{r}.example.com", "c, r or t", 0},
    {"v=spf1 a:%{d0}.example.com", "zero digit", 0},
    {"v=spf1 a:%{d2.example.com", "not closed", 0},
    {"v=spf1 a:ctrl.example.com\rptr -all", "character not allowed", 0},
    {"v=spf1 ip4:192.0.2.5\n include:x.example.com", "bad ip4", 0},
    {"v=spf1 a:\xc3\xafgarbage.example.net", "character not allowed", 0},
    {"v=spf1 mx:foo.example.com\0", "character not allowed", 26},
    {"v=spf1 foo:bar", "unknown mechanism", 0},
    {"v=spf1 \0all", "unknown mechanism", 10}, /* a NUL is no qualifier (found by fuzz_spf) */
};

static void records_that_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid_records / sizeof valid_records[0]; i++) {
        const char *why = NULL;
        spf_record r;
        int rc = spf_record_parse(valid_records[i], strlen(valid_records[i]), &r, NULL, &why);

        if (rc != 0)
            fail_msg("'%s' refused: %s", valid_records[i], why);
        spf_record_free(&r);
    }
}

static void records_that_do_not(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof invalid_records / sizeof invalid_records[0]; i++) {
        const bad_record *b = &invalid_records[i];
        size_t len = b->len ? b->len : strlen(b->text);
        const char *why = NULL;
        spf_span bad;
        spf_record r;

        if (spf_record_parse(b->text, len, &r, &bad, &why) == 0)
            fail_msg("'%s' accepted", b->text);
        if (strstr(why, b->why) == NULL)
            fail_msg("'%s': reason '%s', want '%s'", b->text, why, b->why);
        assert_non_null(bad.p);
        spf_record_free(&r);
    }
}

static void record_terms_are_what_was_written(void **state)
{
    const char *text = "v=spf1 ~a:mail.example.com/24//64 ?mx//48 -ip4:192.0.2.77/25 "
                       "ip6:2001:DB8::1/32 include:x.example.org redirect=r.example.org "
                       "exp=e.example.org";
    const char *why;
    spf_record r;
    cidr_addr in, out;

    (void)state;
    assert_int_equal(spf_record_parse(text, strlen(text), &r, NULL, &why), 0);
    assert_int_equal(r.nterms, 5);
    assert_int_equal(r.terms[0].mech, SPF_MECH_A);
    assert_int_equal(r.terms[0].qualifier, '~');
    assert_int_equal(r.terms[0].cidr4, 24);
    assert_int_equal(r.terms[0].cidr6, 64);
    assert_int_equal(r.terms[0].domain.len, strlen("mail.example.com"));
    assert_memory_equal(r.terms[0].domain.p, "mail.example.com", r.terms[0].domain.len);
    assert_int_equal(r.terms[1].mech, SPF_MECH_MX);
    assert_int_equal(r.terms[1].cidr4, 32);
    assert_int_equal(r.terms[1].cidr6, 48);
    assert_null(r.terms[1].domain.p);
    assert_int_equal(r.terms[2].mech, SPF_MECH_IP4);
    assert_int_equal(r.terms[2].net.bits, 96 + 25);
    assert_int_equal(cidr_addr_parse("192.0.2.0", &in), 0); /* host bits cleared */
    assert_memory_equal(r.terms[2].net.addr.b, in.b, 16);
    assert_int_equal(cidr_addr_parse("192.0.2.200", &out), 0);
    assert_true(cidr_match(&r.terms[2].net, &in));
    assert_false(cidr_match(&r.terms[2].net, &out));
    assert_int_equal(r.terms[3].mech, SPF_MECH_IP6);
    assert_int_equal(r.terms[3].net.bits, 32);
    assert_int_equal(r.terms[4].mech, SPF_MECH_INCLUDE);
    assert_memory_equal(r.redirect.p, "r.example.org", r.redirect.len);
    assert_memory_equal(r.exp.p, "e.example.org", r.exp.len);
    assert_memory_equal(r.terms[2].text.p, "-ip4:192.0.2.77/25", r.terms[2].text.len);
    spf_record_free(&r);
}

static void records_selected_by_version(void **state)
{
    (void)state;
    assert_true(spf_record_is_spf1("v=spf1", 6));
    assert_true(spf_record_is_spf1("v=spf1 -all", 11));
    assert_true(spf_record_is_spf1("V=SPF1 -all", 11));
    assert_false(spf_record_is_spf1("v=spf10", 7));
    assert_false(spf_record_is_spf1("v=spf1mx", 8));
    assert_false(spf_record_is_spf1(" v=spf1", 7));
    assert_false(spf_record_is_spf1("v=spf", 5));
}

/* ---- macros: RFC 7208 7.4's examples ---- */

typedef struct expansion {
    const char *macro;
    const char *v4; /* with <ip> 192.0.2.3 */
    const char *v6; /* with <ip> 2001:db8::cb01, NULL: same as v4 */
} expansion;

static const expansion examples[] = {
    {"%{s}", "strong-bad@email.example.com", NULL},
    {"%{o}", "email.example.com", NULL},
    {"%{d}", "email.example.com", NULL},
    {"%{d4}", "email.example.com", NULL},
    {"%{d3}", "email.example.com", NULL},
    {"%{d2}", "example.com", NULL},
    {"%{d1}", "com", NULL},
    {"%{dr}", "com.example.email", NULL},
    {"%{d2r}", "example.email", NULL},
    {"%{l}", "strong-bad", NULL},
    {"%{l-}", "strong.bad", NULL},
    {"%{lr}", "strong-bad", NULL},
    {"%{lr-}", "bad.strong", NULL},
    {"%{l1r-}", "strong", NULL},
    {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com",
     "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"},
    {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com", NULL},
    {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com", NULL},
    {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com", NULL},
    {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net", NULL},
    /* and ours */
    {"%%%_%-", "% %20", NULL},
    {"%{L}", "strong-bad", NULL},
    {"%{S}", "strong-bad%40email.example.com", NULL},
    {"%{h}", "mx.example.org", NULL},
    {"%{p}", "unknown", NULL},
    {"%{d999999999999}", "email.example.com", NULL},
    {"%{l2r+-}", "bad.strong", NULL},
};

static void macros_expand_as_rfc_7208_7_4_shows(void **state)
{
    cidr_addr v4, v6;
    spf_macro_env env = {
        .sender = "strong-bad@email.example.com",
        .local = "strong-bad",
        .sender_domain = "email.example.com",
        .domain = "email.example.com",
        .helo = "mx.example.org",
    };

    (void)state;
    assert_int_equal(cidr_addr_parse("192.0.2.3", &v4), 0);
    assert_int_equal(cidr_addr_parse("2001:db8::cb01", &v6), 0);
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        for (int six = 0; six < 2; six++) {
            const char *want = six && examples[i].v6 ? examples[i].v6 : examples[i].v4;
            const char *why = NULL;
            str_t out;

            env.ip = six ? &v6 : &v4;
            str_init(&out);
            if (spf_macro_expand(examples[i].macro, strlen(examples[i].macro), 0, &env, &out,
                                 &why) < 0)
                fail_msg("%s: %s", examples[i].macro, why);
            if (strcmp(out.buf, want) != 0 &&
                (six == 0 || examples[i].v6 != NULL || strstr(examples[i].macro, "%{i") == NULL))
                fail_msg("%s (%s) -> '%s', want '%s'", examples[i].macro, six ? "v6" : "v4",
                         out.buf, want);
            str_free(&out);
        }
    }
}

static void explanation_letters_only_with_the_flag(void **state)
{
    cidr_addr ip;
    spf_macro_env env = {.ip = &ip, .receiver = "mx.example.net"};
    const char *why;
    str_t out;

    (void)state;
    assert_int_equal(cidr_addr_parse("2001:db8::1", &ip), 0);
    assert_int_equal(spf_macro_check("%{c}", 4, 0, NULL, &why), -1);
    assert_int_equal(spf_macro_check("%{r}", 4, 0, NULL, &why), -1);
    assert_int_equal(spf_macro_check("%{t}", 4, 0, NULL, &why), -1);
    str_init(&out);
    assert_int_equal(spf_macro_expand("%{c} %{r}", 9, SPF_MACRO_EXP_LETTERS, &env, &out, &why),
                     -1); /* a space is no macro-literal */
    assert_int_equal(spf_macro_expand("%{c}/%{r}", 9, SPF_MACRO_EXP_LETTERS, &env, &out, &why), 0);
    assert_string_equal(out.buf, "2001:db8::1/mx.example.net");
    str_free(&out);
}

static void expansion_is_bounded(void **state)
{
    char big[4000];
    spf_macro_env env = {.sender = NULL};
    const char *why = NULL;
    str_t out;
    size_t n = 0;

    (void)state;
    env.sender = "a-very-long-local-part-that-repeats-many-times@example.com";
    while (n + 4 < sizeof big - 1) {
        memcpy(big + n, "%{s}", 4);
        n += 4;
    }
    str_init(&out);
    assert_int_equal(spf_macro_expand(big, n, 0, &env, &out, &why), -1);
    assert_non_null(strstr(why, "too long"));
    assert_int_equal(out.len, 0);
    str_free(&out);
}

/* ---- domain names ---- */

static void domain_names(void **state)
{
    str_t s;

    (void)state;
    assert_true(dnsname_well_formed("example.com", 11));
    assert_true(dnsname_well_formed("example.com.", 12));
    assert_false(dnsname_well_formed("example..com", 12));
    assert_false(dnsname_well_formed(".example.com", 12));
    assert_false(dnsname_well_formed("", 0));
    assert_false(dnsname_well_formed(".", 1));
    assert_false(dnsname_well_formed(
        "a1234567890123456789012345678901234567890123456789012345678901234.com", 69));
    assert_int_equal(dnsname_labels("a.b.example.com"), 4);
    assert_int_equal(dnsname_labels(""), 0);
    assert_string_equal(dnsname_drop_labels("a.b.example.com", 2), "example.com");
    assert_string_equal(dnsname_drop_labels("a.b.example.com", 9), "");
    assert_true(dnsname_within("mail.Example.COM", "example.com"));
    assert_true(dnsname_within("example.com", "EXAMPLE.com"));
    assert_false(dnsname_within("badexample.com", "example.com"));
    assert_false(dnsname_within("example.com", "mail.example.com"));
    str_init(&s);
    assert_int_equal(dnsname_query_form("a b\\c%d.Example.com.", 20, &s), 0);
    assert_string_equal(s.buf, "a\\032b\\092c\\037d.Example.com");
    str_clear(&s);
    assert_int_equal(dnsname_query_form("a..b", 4, &s), -1);
    assert_int_equal(s.len, 0);
    dnsname_normalize("Mail.EXAMPLE.com.", 17, &s);
    assert_string_equal(s.buf, "mail.example.com");
    str_clear(&s);
    {
        const char *why = NULL;

        const char *u = "b\xc3\xbc"
                        "cher.example";

        assert_int_equal(dnsname_to_ascii(u, strlen(u), &s, &why), 0);
        assert_string_equal(s.buf, "xn--bcher-kva.example");
        str_clear(&s);
        assert_int_equal(dnsname_to_ascii("\xff\xfe.example", 10, &s, &why), -1);
        assert_non_null(why);
    }
    str_free(&s);
}

/* ---- check_host against the stub ---- */

static const stub_rr zone[] = {
    {"ptr.example", DNS_T_TXT, "v=spf1 ptr -all"},
    {"10.2.0.192.in-addr.arpa", DNS_T_PTR, "host.ptr.example"},
    {"host.ptr.example", DNS_T_A, "192.0.2.10"},
    {"chain.example", DNS_T_TXT, "v=spf1 include:inc.example a -all"},
    {"inc.example", DNS_T_TXT, "v=spf1 a a a"},
    {"inc.example", DNS_T_A, "192.0.2.99"},
    {"chain.example", DNS_T_A, "192.0.2.10"},
    {"voids.example", DNS_T_TXT, "v=spf1 a:nx1.example a:nx2.example a:nx3.example -all"},
    {"voids2.example", DNS_T_TXT, "v=spf1 a:nx1.example mx:nx2.example ?all exp=nx4.example"},
    {"pmacro.example", DNS_T_TXT, "v=spf1 exists:%{p}.ok.example -all"},
    {"11.2.0.192.in-addr.arpa", DNS_T_PTR, "other.example"},
    {"11.2.0.192.in-addr.arpa", DNS_T_PTR, "mx.pmacro.example"},
    {"other.example", DNS_T_A, "192.0.2.11"},
    {"mx.pmacro.example", DNS_T_A, "192.0.2.11"},
    {"mx.pmacro.example.ok.example", DNS_T_A, "127.0.0.2"},
    {"helo.example", DNS_T_TXT, "v=spf1 a -all"},
    {"helo.example", DNS_T_A, "192.0.2.10"},
    {"mail.example", DNS_T_TXT, "v=spf1 ip4:192.0.2.0/24 -all"},
    {"spaces.example", DNS_T_TXT, "v=spf1 exists:%{l}.in.example -all"},
    {"a\\032b.in.example", DNS_T_A, "127.0.0.2"},
};

static void ip(const char *text, cidr_addr *a)
{
    assert_int_equal(cidr_addr_parse(text, a), 0);
}

static spf_result check(dns_stub *stub, const char *client, const char *domain, spf_check *out)
{
    dns_resolver r = dns_stub_resolver(stub);
    str_t sender;
    cidr_addr a;
    spf_result res;

    ip(client, &a);
    str_init(&sender);
    str_printf(&sender, "user@%s", domain);
    res = spf_check_host(&r, NULL, &a, domain, sender.buf, "helo.example", NULL, out);
    str_free(&sender);
    return res;
}

static void budget_spent_mid_chain_is_temperror(void **state)
{
    static const char *const spent[] = {"10.2.0.192.in-addr.arpa", NULL};
    dns_stub stub = {.rr = zone, .nrr = sizeof zone / sizeof zone[0]};
    spf_check c;

    (void)state;
    assert_int_equal(check(&stub, "192.0.2.10", "ptr.example", &c), SPF_PASS);
    spf_check_free(&c);
    /* The PTR lookup runs out of time: ptr does not match (5.5), and "-all"
     * would say fail; with answers missing the verdict is temperror. */
    stub = (dns_stub){.rr = zone, .nrr = sizeof zone / sizeof zone[0], .spent = spent};
    assert_int_equal(check(&stub, "192.0.2.10", "ptr.example", &c), SPF_TEMPERROR);
    assert_string_equal(c.why, DNS_WHY_BUDGET);
    assert_null(c.mechanism);
    spf_check_free(&c);
}

static void lookups_counted_across_include(void **state)
{
    dns_stub stub = {.rr = zone, .nrr = sizeof zone / sizeof zone[0]};
    spf_check c;

    (void)state;
    assert_int_equal(check(&stub, "192.0.2.10", "chain.example", &c), SPF_PASS);
    assert_int_equal(c.lookups, 5); /* include, a a a inside, a */
    assert_string_equal(c.mechanism, "a");
    spf_check_free(&c);
    assert_int_equal(check(&stub, "192.0.2.250", "chain.example", &c), SPF_FAIL);
    assert_string_equal(c.mechanism, "-all");
    spf_check_free(&c);
}

static void third_void_lookup_is_permerror_and_exp_is_never_fetched(void **state)
{
    dns_stub stub = {.rr = zone, .nrr = sizeof zone / sizeof zone[0]};
    spf_check c;

    (void)state;
    assert_int_equal(check(&stub, "192.0.2.1", "voids.example", &c), SPF_PERMERROR);
    assert_int_equal(c.voids, 3);
    assert_non_null(strstr(c.why, "void"));
    spf_check_free(&c);
    stub.nasked = 0;
    assert_int_equal(check(&stub, "192.0.2.1", "voids2.example", &c), SPF_NEUTRAL);
    assert_int_equal(c.voids, 2);
    assert_false(dns_stub_was_asked(&stub, "TXT nx4.example"));
    spf_check_free(&c);
}

static void p_macro_prefers_a_name_below_the_domain(void **state)
{
    dns_stub stub = {.rr = zone, .nrr = sizeof zone / sizeof zone[0]};
    spf_check c;

    (void)state;
    assert_int_equal(check(&stub, "192.0.2.11", "pmacro.example", &c), SPF_PASS);
    assert_true(dns_stub_was_asked(&stub, "A mx.pmacro.example.ok.example"));
    spf_check_free(&c);
}

static void names_from_macros_are_asked_literally(void **state)
{
    dns_stub stub = {.rr = zone, .nrr = sizeof zone / sizeof zone[0]};
    dns_resolver r = dns_stub_resolver(&stub);
    cidr_addr a;
    spf_check c;

    (void)state;
    ip("192.0.2.1", &a);
    /* a local part "a b" becomes the label "a\032b": asked for as written,
     * not split or cut at the space */
    assert_int_equal(
        spf_check_host(&r, NULL, &a, "spaces.example", "a b@spaces.example", NULL, NULL, &c),
        SPF_PASS);
    spf_check_free(&c);
}

static void identities_helo_and_null_sender(void **state)
{
    dns_stub stub = {.rr = zone, .nrr = sizeof zone / sizeof zone[0]};
    dns_resolver r = dns_stub_resolver(&stub);
    spf_request req = {.helo = "helo.example.", .mail_from = "<>"};
    spf_verdict v;

    (void)state;
    ip("192.0.2.10", &req.client);
    assert_int_equal(spf_evaluate(&r, NULL, &req, &v), SPF_PASS);
    assert_true(v.null_sender);
    assert_string_equal(v.mailfrom.domain, "helo.example");
    assert_string_equal(v.mailfrom.sender, "postmaster@helo.example");
    assert_int_equal(v.helo.result, SPF_PASS);
    spf_verdict_free(&v);

    req.mail_from = " <@relay.example:User@Mail.Example.> ";
    ip("192.0.2.77", &req.client);
    assert_int_equal(spf_evaluate(&r, NULL, &req, &v), SPF_PASS);
    assert_false(v.null_sender);
    assert_string_equal(v.mailfrom.domain, "Mail.Example");
    assert_string_equal(v.mailfrom.sender, "User@Mail.Example");
    assert_string_equal(v.mailfrom.mechanism, "ip4:192.0.2.0/24");
    assert_int_equal(v.helo.result, SPF_FAIL);
    spf_verdict_free(&v);

    req.mail_from = "nobody";
    assert_int_equal(spf_evaluate(&r, NULL, &req, &v), SPF_NONE);
    assert_null(v.mailfrom.domain);
    spf_verdict_free(&v);

    req.mail_from = "user@[192.0.2.1]"; /* 4.3: a literal is no domain to check */
    req.helo = "";
    stub.nasked = 0;
    assert_int_equal(spf_evaluate(&r, NULL, &req, &v), SPF_NONE);
    assert_int_equal(v.helo.result, SPF_NONE);
    assert_int_equal(stub.nasked, 0);
    spf_verdict_free(&v);
}

static void result_names(void **state)
{
    (void)state;
    assert_string_equal(spf_result_name(SPF_NONE), "none");
    assert_string_equal(spf_result_name(SPF_NEUTRAL), "neutral");
    assert_string_equal(spf_result_name(SPF_PASS), "pass");
    assert_string_equal(spf_result_name(SPF_FAIL), "fail");
    assert_string_equal(spf_result_name(SPF_SOFTFAIL), "softfail");
    assert_string_equal(spf_result_name(SPF_TEMPERROR), "temperror");
    assert_string_equal(spf_result_name(SPF_PERMERROR), "permerror");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_that_parse),
        cmocka_unit_test(records_that_do_not),
        cmocka_unit_test(record_terms_are_what_was_written),
        cmocka_unit_test(records_selected_by_version),
        cmocka_unit_test(macros_expand_as_rfc_7208_7_4_shows),
        cmocka_unit_test(explanation_letters_only_with_the_flag),
        cmocka_unit_test(expansion_is_bounded),
        cmocka_unit_test(domain_names),
        cmocka_unit_test(budget_spent_mid_chain_is_temperror),
        cmocka_unit_test(lookups_counted_across_include),
        cmocka_unit_test(third_void_lookup_is_permerror_and_exp_is_never_fetched),
        cmocka_unit_test(p_macro_prefers_a_name_below_the_domain),
        cmocka_unit_test(names_from_macros_are_asked_literally),
        cmocka_unit_test(identities_helo_and_null_sender),
        cmocka_unit_test(result_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
