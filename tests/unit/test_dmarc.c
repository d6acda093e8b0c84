/*
 * test_dmarc.c - unit tests of lib/auth's DMARC: the record parser
 * (dmarc_record), the Author Domains of From fields (dmarc_from), and the
 * tree walk and Organizational Domain (dmarc_walk) against a DNS stub
 * (tests/unit/dns_stub.h): a stub, because these tests check exactly which
 * names are asked and in what order (RFC 9989 4.10's examples) and a
 * failure in the middle of a walk.  The real DNS runs the same code in
 * tests/unit/dmarc-dns.py.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <string.h>

#include "auth/dmarc.h"
#include "auth/dmarc_from.h"
#include "auth/dmarc_record.h"
#include "auth/dmarc_walk.h"
#include "core/mem.h"
#include "dns_stub.h"

/* ---- records ---- */

static dmarc_record parsed(const char *text)
{
    const char *why = NULL;
    dmarc_record r;

    if (dmarc_record_parse(text, strlen(text), &r, &why) < 0)
        fail_msg("'%s' refused: %s", text, why);
    return r;
}

static void version_must_come_first(void **state)
{
    static const char *const yes[] = {"v=DMARC1",           "v=DMARC1;", "v = DMARC1 ; p=none",
                                      "V=DMARC1; p=reject", " v=DMARC1", "v=DMARC1\t;"};
    static const char *const no[] = {"v=DMARC2; p=reject",
                                     "v=dmarc1; p=reject",
                                     "p=reject; v=DMARC1",
                                     "v=DMARC1 p=reject",
                                     "",
                                     "v=spf1 -all",
                                     "v=DMARC1x",
                                     "=DMARC1"};
    dmarc_record r;
    const char *why;

    (void)state;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!dmarc_record_is_dmarc1(yes[i], strlen(yes[i])))
            fail_msg("'%s' not taken as DMARC", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (dmarc_record_is_dmarc1(no[i], strlen(no[i])))
            fail_msg("'%s' taken as DMARC", no[i]);
        assert_int_equal(dmarc_record_parse(no[i], strlen(no[i]), &r, &why), -1);
    }
}

static void tags_and_defaults(void **state)
{
    dmarc_record r = parsed("v=DMARC1; p=Reject; sp=quarantine ; np= none;t=y; psd=n; "
                            "adkim=s; aspf=S; rua=mailto:a@example.com,mailto:b@example.net; "
                            "ruf=mailto:f@example.com; fo=0:d; pct=10; rf=afrf; ri=3600; x=y");

    (void)state;
    assert_true(r.has_p && r.has_sp && r.has_np);
    assert_int_equal(r.p, DMARC_POLICY_REJECT);
    assert_int_equal(r.sp, DMARC_POLICY_QUARANTINE);
    assert_int_equal(r.np, DMARC_POLICY_NONE);
    assert_true(r.testing);
    assert_int_equal(r.psd, DMARC_PSD_N);
    assert_true(r.adkim_strict && r.aspf_strict);
    assert_string_equal(r.rua, "mailto:a@example.com,mailto:b@example.net");
    assert_true(r.rua_valid);
    assert_string_equal(r.ruf, "mailto:f@example.com");
    assert_string_equal(r.fo, "0:d");
    dmarc_record_free(&r);

    r = parsed("v=DMARC1");
    assert_false(r.has_p || r.has_sp || r.has_np || r.p_invalid);
    assert_false(r.testing || r.adkim_strict || r.aspf_strict || r.rua_valid);
    assert_int_equal(r.psd, DMARC_PSD_U);
    assert_null(r.rua);
    dmarc_record_free(&r);
}

static void syntax_errors_fall_back_to_defaults(void **state)
{
    dmarc_record r = parsed("v=DMARC1; p=rejectt; sp; np=maybe; t=yes; psd=x; adkim=strict; "
                            "aspf=; rua=not a uri");

    (void)state;
    assert_false(r.has_p || r.has_sp || r.has_np);
    assert_true(r.p_invalid && r.sp_invalid && r.np_invalid);
    assert_false(r.testing || r.adkim_strict || r.aspf_strict);
    assert_int_equal(r.psd, DMARC_PSD_U);
    assert_false(r.rua_valid);
    dmarc_record_free(&r);

    r = parsed("v=DMARC1; p=reject; p=reject; t=y; t=y; rua=mailto:a@b.example; "
               "rua=mailto:c@d.example");
    assert_false(r.has_p); /* twice: a syntax error (RFC 6376 3.2 tag-list rule) */
    assert_true(r.p_invalid);
    assert_false(r.testing);
    assert_null(r.rua);
    dmarc_record_free(&r);

    /* a broken p then a valid one: p given twice (found by fuzz_dmarc) */
    r = parsed("v=DMARC1; p; p=reject");
    assert_false(r.has_p);
    assert_true(r.p_invalid);
    dmarc_record_free(&r);

    r = parsed("v=DMARC1; p=quarantine; rua=bad, mailto:ok@example.com!10m ; fo=1");
    assert_true(r.has_p && r.rua_valid);
    dmarc_record_free(&r);

    r = parsed("v=DMARC1;;; p=none;\x01;p2=x; =x; ;");
    assert_true(r.has_p);
    assert_int_equal(r.p, DMARC_POLICY_NONE);
    dmarc_record_free(&r);
}

/* ---- From ---- */

typedef struct from_case {
    const char *from[3];
    const char *domains; /* space-separated, "" for none */
    size_t unusable;
    bool unparseable;
} from_case;

static const from_case froms[] = {
    {{"a@Example.COM"}, "example.com", 0, false},
    {{"\"Jo\" <jo@mail.example.org.> (work)"}, "mail.example.org", 0, false},
    {{"a@x.example, b@y.example, c@X.example"}, "x.example y.example", 0, false},
    {{"a@x.example", "b@y.example"}, "x.example y.example", 0, false},
    {{"team: a@x.example, b@y.example;, c@z.example"}, "x.example y.example z.example", 0, false},
    {{"undisclosed-recipients:;"}, "", 0, false},
    {{""}, "", 0, false},
    {{"nobody, a@x.example"}, "x.example", 1, false},
    {{"<>"}, "", 1, false},
    {{"a@[192.0.2.1]"}, "", 1, false},
    {{"a@x.example, <<broken"}, "", 0, true},
    {{"a@x.example", "<<broken"}, "x.example", 0, true},
    {{"a@b\xc3\xbc"
      "cher.example"},
     "xn--bcher-kva.example",
     0,
     false},
    {{"a@exa\nmple.com"}, "", 0, true},
    {{"a@x.example,\n b@y.example"}, "x.example y.example", 0, false},
};

static void author_domains(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof froms / sizeof froms[0]; i++) {
        const from_case *c = &froms[i];
        size_t n = 0;
        dmarc_authors a;
        str_t got;

        while (n < 3 && c->from[n] != NULL)
            n++;
        dmarc_authors_of(c->from, n, 16, &a);
        str_init(&got);
        for (size_t k = 0; k < a.n; k++)
            str_printf(&got, "%s%s", k ? " " : "", a.domain[k]);
        if (strcmp(got.buf, c->domains) != 0 || a.unusable != c->unusable ||
            a.unparseable != c->unparseable)
            fail_msg("case %zu: domains '%s' unusable %zu unparseable %d; want '%s' %zu %d", i,
                     got.buf, a.unusable, a.unparseable, c->domains, c->unusable, c->unparseable);
        str_free(&got);
        dmarc_authors_free(&a);
    }
}

/* ---- the tree walk ---- */

static void walk_names_follow_4_10(void **state)
{
    const char *names[DMARC_MAX_WALK];
    const char *deep = "a.b.c.d.e.f.g.h.i.j.mail.example.com";
    static const char *const want[] = {"a.b.c.d.e.f.g.h.i.j.mail.example.com",
                                       "g.h.i.j.mail.example.com",
                                       "h.i.j.mail.example.com",
                                       "i.j.mail.example.com",
                                       "j.mail.example.com",
                                       "mail.example.com",
                                       "example.com",
                                       "com"};

    (void)state;
    /* the eight queries RFC 9989 4.10 lists for this name */
    assert_int_equal(dmarc_walk_names(deep, names), 8);
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(names[i], want[i]);
    assert_int_equal(dmarc_walk_names("a.mail.example.com", names), 4);
    assert_string_equal(names[1], "mail.example.com");
    assert_string_equal(names[3], "com");
    /* 8 labels: the second query is the 7-label parent */
    assert_int_equal(dmarc_walk_names("a.b.c.d.e.f.g.h", names), 8);
    assert_string_equal(names[1], "b.c.d.e.f.g.h");
    assert_int_equal(dmarc_walk_names("com", names), 1);
    assert_int_equal(dmarc_walk_names("", names), 0);
}

static const stub_rr walk_zone[] = {
    {"_dmarc.mail.example.com", DNS_T_TXT, "v=DMARC1; p=none"},
    {"_dmarc.example.com", DNS_T_TXT, "v=DMARC1; p=reject"},
    {"_dmarc.org.example", DNS_T_TXT, "v=DMARC1; p=quarantine; psd=n"},
    {"_dmarc.psd.example", DNS_T_TXT, "v=DMARC1; p=reject; psd=y"},
    {"_dmarc.two.example", DNS_T_TXT, "v=DMARC1; p=none"},
    {"_dmarc.two.example", DNS_T_TXT, "v=DMARC1; p=reject"},
    {"_dmarc.two.example", DNS_T_TXT, "not dmarc"},
    {"_dmarc.example", DNS_T_TXT, "v=DMARC1; p=quarantine"},
};

static char *org_of(dmarc_walker *w, const char *start, dmarc_walk *wk)
{
    str_t out;

    dmarc_walk_run(w, start, wk);
    str_init(&out);
    dmarc_walk_org(wk, start, &out);
    return str_steal(&out);
}

static void organizational_domains_of_4_10_2(void **state)
{
    dns_stub stub = {.rr = walk_zone, .nrr = sizeof walk_zone / sizeof walk_zone[0]};
    dns_resolver r = dns_stub_resolver(&stub);
    dmarc_walker w;
    dmarc_walk wk;
    char *org;

    (void)state;
    dmarc_walker_init(&w, &r, NULL);
    /* records at mail.example.com and example.com: the fewest labels */
    org = org_of(&w, "a.mail.example.com", &wk);
    assert_string_equal(org, "example.com");
    assert_int_equal(wk.n, 2);
    assert_true(dns_stub_was_asked(&stub, "TXT _dmarc.com"));
    mem_free(&org);
    /* psd=n ends the walk and names the org domain */
    stub.nasked = 0;
    org = org_of(&w, "x.y.org.example", &wk);
    assert_string_equal(org, "org.example");
    assert_false(dns_stub_was_asked(&stub, "TXT _dmarc.example")); /* stopped */
    mem_free(&org);
    /* psd=y: one label below it */
    org = org_of(&w, "a.b.psd.example", &wk);
    assert_string_equal(org, "b.psd.example");
    mem_free(&org);
    /* psd=y at the start itself: the start */
    org = org_of(&w, "psd.example", &wk);
    assert_string_equal(org, "psd.example");
    mem_free(&org);
    /* several DMARC records at one name: discarded, the walk goes on */
    org = org_of(&w, "x.two.example", &wk);
    assert_string_equal(org, "example");
    assert_int_equal(wk.n, 1);
    mem_free(&org);
    /* nothing found: the name itself */
    org = org_of(&w, "a.b.nothing.test", &wk);
    assert_string_equal(org, "a.b.nothing.test");
    assert_int_equal(wk.n, 0);
    mem_free(&org);
    dmarc_walker_free(&w);
}

static void answers_are_asked_once_per_evaluation(void **state)
{
    dns_stub stub = {.rr = walk_zone, .nrr = sizeof walk_zone / sizeof walk_zone[0]};
    dns_resolver r = dns_stub_resolver(&stub);
    dmarc_walker w;
    dmarc_walk wk;
    char *org;

    (void)state;
    dmarc_walker_init(&w, &r, NULL);
    org = org_of(&w, "a.mail.example.com", &wk);
    mem_free(&org);
    assert_int_equal(w.queries, 4);
    org = org_of(&w, "b.mail.example.com", &wk); /* shares three of its four names */
    mem_free(&org);
    assert_int_equal(w.queries, 5);
    assert_int_equal(stub.nasked, 5);
    dmarc_walker_free(&w);
}

static void failure_mid_walk_stops_it(void **state)
{
    static const char *const fail[] = {"_dmarc.example.com", NULL};
    dns_stub stub = {
        .rr = walk_zone, .nrr = sizeof walk_zone / sizeof walk_zone[0], .tempfail = fail};
    dns_resolver r = dns_stub_resolver(&stub);
    dmarc_walker w;
    dmarc_walk wk;

    (void)state;
    dmarc_walker_init(&w, &r, NULL);
    dmarc_walk_run(&w, "a.mail.example.com", &wk);
    assert_true(wk.tempfail);
    assert_false(dns_stub_was_asked(&stub, "TXT _dmarc.com"));
    dmarc_walker_free(&w);
}

/* ---- evaluation against the stub ---- */

static const stub_rr eval_zone[] = {
    {"_dmarc.example.com", DNS_T_TXT, "v=DMARC1; p=reject; sp=quarantine; np=none"},
    {"example.com", DNS_T_A, "192.0.2.1"},
    {"sub.example.com", DNS_T_A, "192.0.2.2"},
};

static dmarc_result eval(dns_stub *stub, const char *from, const char *spf_domain, spf_result spf,
                         const dmarc_dkim *dkim, size_t ndkim, dmarc_verdict *v)
{
    dns_resolver r = dns_stub_resolver(stub);
    const char *fields[1] = {from};
    dmarc_request req = {.from = fields,
                         .nfrom = from != NULL,
                         .spf = spf,
                         .spf_domain = spf_domain,
                         .dkim = dkim,
                         .ndkim = ndkim};

    return dmarc_evaluate(&r, NULL, &req, v);
}

static void evaluation_spends_no_query_it_does_not_need(void **state)
{
    dns_stub stub = {.rr = eval_zone, .nrr = sizeof eval_zone / sizeof eval_zone[0]};
    dmarc_dkim d[] = {{"example.com", true, false}};
    dmarc_verdict v;

    (void)state;
    /* relaxed: d=example.com for sub.example.com; a pass asks no existence */
    assert_int_equal(eval(&stub, "a@sub.example.com", NULL, SPF_NONE, d, 1, &v), DMARC_PASS);
    assert_false(dns_stub_was_asked(&stub, "A sub.example.com"));
    assert_string_equal(v.domains[0].org_domain, "example.com");
    dmarc_verdict_free(&v);
    stub.nasked = 0;
    assert_int_equal(eval(&stub, "a@example.com", "example.com", SPF_PASS, d, 1, &v), DMARC_PASS);
    assert_int_equal(v.queries, 2); /* _dmarc.example.com, _dmarc.com */
    assert_true(v.domains[0].dkim_aligned && v.domains[0].spf_aligned);
    assert_string_equal(v.domains[0].dkim_domain, "example.com");
    dmarc_verdict_free(&v);
    /* np differs from sp: the Author Domain's existence decides (RFC 8020) */
    stub.nasked = 0;
    assert_int_equal(eval(&stub, "a@nx.example.com", NULL, SPF_NONE, NULL, 0, &v), DMARC_FAIL);
    assert_true(dns_stub_was_asked(&stub, "A nx.example.com"));
    assert_string_equal(v.domains[0].policy_tag, "np");
    assert_int_equal(v.policy, DMARC_POLICY_NONE);
    dmarc_verdict_free(&v);
}

/* RFC 9989 5.3.6: a fail that a temporarily failed SPF or DKIM check
 * might have turned into a pass is a temperror; one that could not align
 * changes nothing (no escape by a signature whose key lookup fails). */
static void temperror_of_an_identifier_that_could_align(void **state)
{
    dns_stub stub = {.rr = eval_zone, .nrr = sizeof eval_zone / sizeof eval_zone[0]};
    dmarc_dkim own_temp[] = {{"mail.example.com", false, true}};
    dmarc_dkim other_temp[] = {{"example.net", false, true}, {"example.org", false, true}};
    dmarc_dkim temp_and_pass[] = {{"example.com", false, true}, {"example.com", true, false}};
    dmarc_verdict v;

    (void)state;
    assert_int_equal(eval(&stub, "a@example.com", "example.com", SPF_TEMPERROR, NULL, 0, &v),
                     DMARC_TEMPERROR);
    assert_string_equal(v.why, "an SPF or DKIM check that could align failed temporarily");
    assert_int_equal(v.policy, DMARC_POLICY_NONE);
    dmarc_verdict_free(&v);
    assert_int_equal(eval(&stub, "a@example.com", "bounce.example.org", SPF_TEMPERROR, NULL, 0,
                          &v),
                     DMARC_FAIL);
    assert_int_equal(v.policy, DMARC_POLICY_REJECT);
    dmarc_verdict_free(&v);
    assert_int_equal(eval(&stub, "a@example.com", NULL, SPF_NONE, own_temp, 1, &v),
                     DMARC_TEMPERROR);
    dmarc_verdict_free(&v);
    assert_int_equal(eval(&stub, "a@example.com", NULL, SPF_FAIL, other_temp, 2, &v), DMARC_FAIL);
    dmarc_verdict_free(&v);
    assert_int_equal(eval(&stub, "a@example.com", NULL, SPF_NONE, temp_and_pass, 2, &v),
                     DMARC_PASS);
    dmarc_verdict_free(&v);
}

static void result_and_policy_names(void **state)
{
    (void)state;
    assert_string_equal(dmarc_result_name(DMARC_NONE), "none");
    assert_string_equal(dmarc_result_name(DMARC_PASS), "pass");
    assert_string_equal(dmarc_result_name(DMARC_FAIL), "fail");
    assert_string_equal(dmarc_result_name(DMARC_TEMPERROR), "temperror");
    assert_string_equal(dmarc_result_name(DMARC_PERMERROR), "permerror");
    assert_string_equal(dmarc_policy_name(DMARC_POLICY_NONE), "none");
    assert_string_equal(dmarc_policy_name(DMARC_POLICY_QUARANTINE), "quarantine");
    assert_string_equal(dmarc_policy_name(DMARC_POLICY_REJECT), "reject");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_must_come_first),
        cmocka_unit_test(tags_and_defaults),
        cmocka_unit_test(syntax_errors_fall_back_to_defaults),
        cmocka_unit_test(author_domains),
        cmocka_unit_test(walk_names_follow_4_10),
        cmocka_unit_test(organizational_domains_of_4_10_2),
        cmocka_unit_test(answers_are_asked_once_per_evaluation),
        cmocka_unit_test(failure_mid_walk_stops_it),
        cmocka_unit_test(evaluation_spends_no_query_it_does_not_need),
        cmocka_unit_test(temperror_of_an_identifier_that_could_align),
        cmocka_unit_test(result_and_policy_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
