/* test_fcrdns.c - unit tests of lib/fcrdns against a stub resolver. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <string.h>
#include <sys/socket.h>

#include "core/cidr.h"
#include "dns/dns.h"
#include "dns/fcrdns.h"
#include "core/mem.h"
#include "core/str.h"

/* The stub's zone: PTR answers by address, A/AAAA answers by name. */
typedef struct stub_ptr {
    const char *addr;
    dns_status st;
    const char *names[4];
} stub_ptr;

typedef struct stub_fwd {
    const char *name;
    int family;
    dns_status st;
    const char *addrs[4];
} stub_fwd;

/* clang-format off */
static const stub_ptr ptrs[] = {
    {"198.51.100.7", DNS_FOUND, {"ggl.home.example.net"}},
    {"198.51.100.8", DNS_FOUND, {"forged.example.org"}},
    {"198.51.100.9", DNS_NOTFOUND, {NULL}},
    {"198.51.100.10", DNS_TEMPFAIL, {NULL}},
    {"198.51.100.11", DNS_FOUND, {"other.example.org", "slow.example.org", "multi.home.example.net"}},
    {"198.51.100.12", DNS_FOUND, {"slow.example.org", "forged.example.org"}},
    {"2001:db8::7", DNS_FOUND, {"v6.home.example.net"}},
    {"2001:db8::8", DNS_FOUND, {"v4only.home.example.net"}},
    {"2001:db8::9", DNS_NOTFOUND, {NULL}},
    {"198.51.100.13", DNS_FOUND, {"v6only.home.example.net"}},
    {"198.51.100.14", DNS_PERMFAIL, {NULL}},
    {"198.51.100.15", DNS_FOUND, {"nxdomain.example.org", "ggl.home.example.net"}},
    {"198.51.100.16", DNS_FOUND, {"evil name.example.org", "bad\x01.example.org"}},
    {"198.51.100.17", DNS_FOUND, {"a..b.example.org", "ggl.home.example.net"}},
};
/* clang-format on */

static const stub_fwd fwds[] = {
    {"ggl.home.example.net", AF_INET, DNS_FOUND, {"192.0.2.1", "198.51.100.7", "198.51.100.15", "198.51.100.17"}},
    {"ggl.home.example.net", AF_INET6, DNS_NOTFOUND, {NULL}},
    {"forged.example.org", AF_INET, DNS_FOUND, {"203.0.113.1"}},
    {"other.example.org", AF_INET, DNS_FOUND, {"203.0.113.2"}},
    {"slow.example.org", AF_INET, DNS_TEMPFAIL, {NULL}},
    {"multi.home.example.net", AF_INET, DNS_FOUND, {"198.51.100.11"}},
    {"v6.home.example.net", AF_INET6, DNS_FOUND, {"2001:db8::1", "2001:db8::7"}},
    {"v6.home.example.net", AF_INET, DNS_FOUND, {"198.51.100.70"}},
    {"v4only.home.example.net", AF_INET, DNS_FOUND, {"198.51.100.80"}},
    {"v4only.home.example.net", AF_INET6, DNS_NOTFOUND, {NULL}},
    {"v6only.home.example.net", AF_INET, DNS_NOTFOUND, {NULL}},
    {"v6only.home.example.net", AF_INET6, DNS_FOUND, {"2001:db8::13"}},
};

static int forward_calls;
/* Lookups after which the stub says the budget is spent (0: never). */
static int budget_after, lookups;

static dns_status stub_ptr_fn(void *ctx, const cidr_addr *addr, dns_names *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) {
        cidr_addr a;

        assert_int_equal(cidr_addr_parse(ptrs[i].addr, &a), 0);
        if (memcmp(a.b, addr->b, 16) != 0)
            continue;
        for (size_t k = 0; k < 4 && ptrs[i].names[k]; k++)
            out->name[out->count++] = mem_strdup(ptrs[i].names[k]);
        return ptrs[i].st;
    }
    return DNS_NOTFOUND;
}

static dns_status stub_addrs_fn(void *ctx, const char *name, int family, dns_addrs *out)
{
    (void)ctx;
    forward_calls++;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof fwds / sizeof fwds[0]; i++) {
        if (strcmp(fwds[i].name, name) != 0 || fwds[i].family != family)
            continue;
        for (size_t k = 0; k < 4 && fwds[i].addrs[k]; k++)
            assert_int_equal(cidr_addr_parse(fwds[i].addrs[k], &out->addr[out->count++]), 0);
        return fwds[i].st;
    }
    return DNS_NOTFOUND;
}

/* The stub as fcrdns asks it: dns_lookup() of PTR (by reverse name), A and
 * AAAA, answered from the tables above; the budget runs out after
 * budget_after lookups, or at once when it is already spent. */
static dns_status stub_lookup(void *ctx, const char *name, dns_type type, const dns_budget *b,
                              dns_answer *out)
{
    dns_status st;

    memset(out, 0, sizeof *out);
    lookups++;
    if (dns_budget_spent(b) || (budget_after > 0 && lookups > budget_after)) {
        out->info.why = DNS_WHY_BUDGET;
        return DNS_TEMPFAIL;
    }
    if (type == DNS_T_PTR) {
        for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) {
            cidr_addr a;
            dns_names n;
            str_t rev;
            bool same;

            assert_int_equal(cidr_addr_parse(ptrs[i].addr, &a), 0);
            str_init(&rev);
            dns_reverse_name(&a, &rev);
            same = strcmp(rev.buf, name) == 0;
            str_free(&rev);
            if (!same)
                continue;
            st = stub_ptr_fn(ctx, &a, &n);
            out->rr = mem_array(n.count + 1, sizeof *out->rr);
            for (size_t k = 0; k < n.count; k++) {
                out->rr[k].text = n.name[k];
                n.name[k] = NULL;
            }
            out->count = n.count;
            return st;
        }
        return DNS_NOTFOUND;
    }
    {
        dns_addrs a;

        st = stub_addrs_fn(ctx, name, type == DNS_T_A ? AF_INET : AF_INET6, &a);
        out->rr = mem_array(a.count + 1, sizeof *out->rr);
        for (size_t k = 0; k < a.count; k++)
            out->rr[k].addr = a.addr[k];
        out->count = a.count;
        return st;
    }
}

static const dns_resolver stub = {.ctx = NULL, .lookup = stub_lookup};

typedef struct fc_case {
    const char *name;
    const char *addr;
    unsigned flags;
    fcrdns_status want;
    const char *want_name; /* for OK */
    size_t want_tried;
    bool want_cross;
} fc_case;

/* clang-format off */
static const fc_case cases[] = {
    {"ok_ipv4_name_resolves_back", "198.51.100.7", 0, FCRDNS_OK, "ggl.home.example.net", 1, false},
    {"forged_ipv4_name_resolves_elsewhere", "198.51.100.8", 0, FCRDNS_FORGED, NULL, 1, false},
    {"fail_no_ptr", "198.51.100.9", 0, FCRDNS_FAIL, NULL, 0, false},
    {"temp_ptr_lookup_fails", "198.51.100.10", 0, FCRDNS_TEMP, NULL, 0, false},
    {"ok_multi_ptr_third_name_confirms", "198.51.100.11", 0, FCRDNS_OK, "multi.home.example.net", 3, false},
    {"temp_when_forward_fails_and_nothing_confirms", "198.51.100.12", 0, FCRDNS_TEMP, NULL, 2, false},
    {"ok_ipv6_aaaa_confirms", "2001:db8::7", 0, FCRDNS_OK, "v6.home.example.net", 1, false},
    {"forged_ipv6_name_with_only_a_record", "2001:db8::8", 0, FCRDNS_FORGED, NULL, 1, false},
    {"ok_ipv6_cross_family_allowed", "2001:db8::8", FCRDNS_CROSS_FAMILY, FCRDNS_OK, "v4only.home.example.net", 1, true},
    {"forged_ipv4_name_with_only_aaaa_record", "198.51.100.13", 0, FCRDNS_FORGED, NULL, 1, false},
    {"ok_ipv4_cross_family_allowed", "198.51.100.13", FCRDNS_CROSS_FAMILY, FCRDNS_OK, "v6only.home.example.net", 1, true},
    {"fail_ipv6_no_ptr", "2001:db8::9", 0, FCRDNS_FAIL, NULL, 0, false},
    {"fail_on_permanent_ptr_error", "198.51.100.14", 0, FCRDNS_FAIL, NULL, 0, false},
    {"ok_second_name_after_nxdomain", "198.51.100.15", 0, FCRDNS_OK, "ggl.home.example.net", 2, false},
    {"ok_ipv4_mapped_client", "::ffff:198.51.100.7", 0, FCRDNS_OK, "ggl.home.example.net", 1, false},
    {"cross_family_does_not_override_mismatch", "2001:db8::99", FCRDNS_CROSS_FAMILY, FCRDNS_FAIL, NULL, 0, false},
    {"fail_when_no_ptr_name_is_a_host_name", "198.51.100.16", 0, FCRDNS_FAIL, NULL, 0, false},
    {"names_not_host_names_skipped", "198.51.100.17", 0, FCRDNS_OK, "ggl.home.example.net", 1, false},
};
/* clang-format on */

static void run_case(void **state)
{
    const fc_case *c = *state;
    fcrdns_result r;
    cidr_addr a;

    assert_int_equal(cidr_addr_parse(c->addr, &a), 0);
    if (fcrdns_check(&stub, &a, c->flags, NULL, &r) != c->want || r.status != c->want)
        fail_msg("%s: got %s (%s), want %s", c->name, fcrdns_status_name(r.status), r.why,
                 fcrdns_status_name(c->want));
    if (c->want_name)
        assert_string_equal(r.name, c->want_name);
    else
        assert_null(r.name);
    assert_int_equal(r.count, c->want_tried);
    assert_int_equal(r.cross_family, c->want_cross);
    assert_non_null(r.why);
    fcrdns_result_free(&r);
    assert_int_equal(r.count, 0);
}

static void confirmed_name_stops_further_lookups(void **state)
{
    fcrdns_result r;
    cidr_addr a;

    (void)state;
    forward_calls = 0;
    assert_int_equal(cidr_addr_parse("198.51.100.7", &a), 0);
    assert_int_equal(fcrdns_check(&stub, &a, 0, NULL, &r), FCRDNS_OK);
    assert_int_equal(forward_calls, 1);
    assert_string_equal(r.names[0], "ggl.home.example.net");
    fcrdns_result_free(&r);
}

static void own_family_only_queries_one_family(void **state)
{
    fcrdns_result r;
    cidr_addr a;

    (void)state;
    forward_calls = 0;
    assert_int_equal(cidr_addr_parse("2001:db8::8", &a), 0);
    assert_int_equal(fcrdns_check(&stub, &a, 0, NULL, &r), FCRDNS_FORGED);
    assert_int_equal(forward_calls, 1);
    fcrdns_result_free(&r);
}

/* What failed is told: the PTR lookup, or the forward lookup of a name. */
static void temp_says_which_step(void **state)
{
    fcrdns_result r;
    cidr_addr a;

    (void)state;
    budget_after = 0;
    assert_int_equal(cidr_addr_parse("198.51.100.10", &a), 0);
    assert_int_equal(fcrdns_check(&stub, &a, 0, NULL, &r), FCRDNS_TEMP);
    assert_int_equal(r.failed_step, FCRDNS_STEP_PTR);
    assert_null(r.failed_name);
    assert_false(r.out_of_time);
    fcrdns_result_free(&r);
    assert_int_equal(cidr_addr_parse("198.51.100.12", &a), 0);
    assert_int_equal(fcrdns_check(&stub, &a, 0, NULL, &r), FCRDNS_TEMP);
    assert_int_equal(r.failed_step, FCRDNS_STEP_FORWARD);
    assert_string_equal(r.failed_name, "slow.example.org");
    assert_false(r.out_of_time);
    fcrdns_result_free(&r);
}

/* The budget ends the check: no lookup once it is spent, TEMP with
 * out_of_time, the name whose lookup was cut off told. */
static void budget_ends_the_check(void **state)
{
    dns_budget spent = {.deadline_ns = 1};
    fcrdns_result r;
    cidr_addr a;

    (void)state;
    assert_int_equal(cidr_addr_parse("198.51.100.7", &a), 0);
    assert_int_equal(fcrdns_check(&stub, &a, 0, &spent, &r), FCRDNS_TEMP);
    assert_true(r.out_of_time);
    assert_int_equal(r.failed_step, FCRDNS_STEP_PTR);
    fcrdns_result_free(&r);
    /* Three names; time runs out after the PTR and the first forward lookup. */
    lookups = 0;
    budget_after = 2;
    forward_calls = 0;
    assert_int_equal(cidr_addr_parse("198.51.100.11", &a), 0);
    assert_int_equal(fcrdns_check(&stub, &a, 0, NULL, &r), FCRDNS_TEMP);
    assert_true(r.out_of_time);
    assert_int_equal(r.failed_step, FCRDNS_STEP_FORWARD);
    assert_string_equal(r.failed_name, "slow.example.org");
    assert_int_equal(lookups, 3); /* PTR, other., then slow. cut off: no more */
    assert_int_equal(forward_calls, 1);
    fcrdns_result_free(&r);
    budget_after = 0;
}

static void status_names_are_sendmails(void **state)
{
    (void)state;
    assert_string_equal(fcrdns_status_name(FCRDNS_OK), "OK");
    assert_string_equal(fcrdns_status_name(FCRDNS_FAIL), "FAIL");
    assert_string_equal(fcrdns_status_name(FCRDNS_FORGED), "FORGED");
    assert_string_equal(fcrdns_status_name(FCRDNS_TEMP), "TEMP");
}

int main(void)
{
    size_t n = sizeof cases / sizeof cases[0], k = 0;
    struct CMUnitTest *t = mem_array(n + 5, sizeof *t);
    int ret;

    for (size_t i = 0; i < n; i++)
        t[k++] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
    t[k++] = (struct CMUnitTest){"confirmed_name_stops_further_lookups",
                                 confirmed_name_stops_further_lookups, NULL, NULL, NULL};
    t[k++] = (struct CMUnitTest){"own_family_only_queries_one_family",
                                 own_family_only_queries_one_family, NULL, NULL, NULL};
    t[k++] = (struct CMUnitTest){"temp_says_which_step", temp_says_which_step, NULL, NULL, NULL};
    t[k++] = (struct CMUnitTest){"budget_ends_the_check", budget_ends_the_check, NULL, NULL, NULL};
    t[k++] = (struct CMUnitTest){"status_names_are_sendmails", status_names_are_sendmails, NULL,
                                 NULL, NULL};
    ret = _cmocka_run_group_tests("fcrdns", t, k, NULL, NULL);
    mem_free(&t);
    return ret;
}
