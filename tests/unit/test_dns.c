/* test_dns.c - unit tests of lib/dns against a real unbound on loopback.
 *
 * Run by tests/unit/test_dns.py, which starts the server (tests/e2e/testdns.py)
 * with the records below and passes MK_DNS_SERVER ("127.0.0.1@PORT") and
 * MK_DNS_SILENT (a UDP port that never answers).  Without them only the
 * tests that need no server run; the others are skipped. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cidr.h"
#include "dns/dns.h"
#include "dns/fcrdns.h"
#include "core/mem.h"
#include "core/str.h"

static dns *d;

static int setup(void **state)
{
    const char *server = getenv("MK_DNS_SERVER");
    const char *error = NULL;
    dns_config cfg = {.servers = &server, .nservers = 1, .timeout_ms = 3000};

    (void)state;
    if (server == NULL)
        return 0;
    if (dns_new(&cfg, &d, &error) < 0) {
        fprintf(stderr, "dns_new: %s\n", error);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dns_free(&d);
    return 0;
}

#define NEED_SERVER()                                                                              \
    do {                                                                                           \
        if (d == NULL)                                                                             \
            skip();                                                                                \
    } while (0)

static cidr_addr addr_of(const char *text)
{
    cidr_addr a;

    assert_int_equal(cidr_addr_parse(text, &a), 0);
    return a;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- no server needed ---- */

static void reverse_names_ipv4_and_ipv6(void **state)
{
    cidr_addr a = addr_of("192.0.2.1"), b = addr_of("2001:db8::10");
    str_t s;

    (void)state;
    str_init(&s);
    dns_reverse_name(&a, &s);
    assert_string_equal(s.buf, "1.2.0.192.in-addr.arpa.");
    str_clear(&s);
    dns_reverse_name(&b, &s);
    assert_string_equal(
        s.buf, "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
    str_free(&s);
}

static void bad_configs_are_refused(void **state)
{
    const char *bad[] = {"not-an-address"};
    const char *ok[] = {"127.0.0.1@53"};
    const char *many[DNS_MAX_SERVERS + 1];
    dns_config c1 = {.servers = bad, .nservers = 1};
    dns_config c2 = {.servers = ok, .nservers = 1, .trust_anchor_file = "/nonexistent/root.key"};
    dns_config c3 = {.servers = many, .nservers = DNS_MAX_SERVERS + 1};
    const char *error = NULL;
    dns *x = NULL;

    (void)state;
    for (size_t i = 0; i < DNS_MAX_SERVERS + 1; i++)
        many[i] = "127.0.0.1";
    assert_int_equal(dns_new(&c1, &x, &error), -1);
    assert_non_null(strstr(error, "server"));
    assert_int_equal(dns_new(&c2, &x, &error), -1);
    assert_non_null(strstr(error, "trust anchor"));
    assert_int_equal(dns_new(&c3, &x, &error), -1);
    assert_null(x);
}

static void status_names(void **state)
{
    (void)state;
    assert_string_equal(dns_status_name(DNS_FOUND), "FOUND");
    assert_string_equal(dns_status_name(DNS_NOTFOUND), "NOTFOUND");
    assert_string_equal(dns_status_name(DNS_TEMPFAIL), "TEMPFAIL");
    assert_string_equal(dns_status_name(DNS_PERMFAIL), "PERMFAIL");
}

/* ---- against unbound ---- */

static void ptr_ipv4_found(void **state)
{
    cidr_addr a = addr_of("127.0.0.10");
    dns_names n;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_ptr(d, &a, &n), DNS_FOUND);
    assert_int_equal(n.count, 1);
    assert_string_equal(n.name[0], "host.test");
    assert_false(n.info.secure);
    dns_names_free(&n);
}

static void ptr_ipv6_found(void **state)
{
    cidr_addr a = addr_of("2001:db8::10");
    dns_names n;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_ptr(d, &a, &n), DNS_FOUND);
    assert_int_equal(n.count, 1);
    assert_string_equal(n.name[0], "host6.test");
    dns_names_free(&n);
}

static void ptr_multiple_names(void **state)
{
    cidr_addr a = addr_of("127.0.0.12");
    dns_names n;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_ptr(d, &a, &n), DNS_FOUND);
    assert_int_equal(n.count, 2);
    assert_true((strcmp(n.name[0], "a.test") == 0 && strcmp(n.name[1], "b.test") == 0) ||
                (strcmp(n.name[0], "b.test") == 0 && strcmp(n.name[1], "a.test") == 0));
    dns_names_free(&n);
}

static void ptr_names_are_bounded(void **state)
{
    cidr_addr a = addr_of("127.0.0.14");
    dns_names n;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_ptr(d, &a, &n), DNS_FOUND);
    assert_int_equal(n.count, DNS_MAX_PTR_NAMES);
    assert_true(n.info.truncated);
    dns_names_free(&n);
}

static void ptr_unusable_names_are_dropped(void **state)
{
    cidr_addr a = addr_of("127.0.0.15");
    dns_names n;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_ptr(d, &a, &n), DNS_FOUND);
    assert_int_equal(n.count, 1);
    assert_string_equal(n.name[0], "good.test");
    dns_names_free(&n);
}

static void ptr_not_found(void **state)
{
    cidr_addr a = addr_of("127.0.0.99");
    dns_names n;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_ptr(d, &a, &n), DNS_NOTFOUND);
    assert_int_equal(n.count, 0);
    assert_true(n.info.why[0] != '\0');
    dns_names_free(&n);
}

static void a_records_found(void **state)
{
    dns_addrs a;
    cidr_addr want = addr_of("127.0.0.10"), other = addr_of("127.0.0.11");

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_addrs_lookup(d, "host.test", AF_INET, &a), DNS_FOUND);
    assert_int_equal(a.count, 2);
    assert_true(memcmp(&a.addr[0], &want, 16) == 0 || memcmp(&a.addr[1], &want, 16) == 0);
    assert_true(memcmp(&a.addr[0], &other, 16) == 0 || memcmp(&a.addr[1], &other, 16) == 0);
    assert_true(cidr_addr_is_v4(&a.addr[0]));
}

static void aaaa_record_found(void **state)
{
    dns_addrs a;
    cidr_addr want = addr_of("2001:db8::10");

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_addrs_lookup(d, "HOST.test.", AF_INET6, &a), DNS_FOUND);
    assert_int_equal(a.count, 1);
    assert_memory_equal(&a.addr[0], &want, 16);
}

static void cname_is_followed(void **state)
{
    dns_addrs a;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_addrs_lookup(d, "alias.test", AF_INET, &a), DNS_FOUND);
    assert_int_equal(a.count, 2);
}

static void addresses_are_bounded(void **state)
{
    dns_addrs a;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_addrs_lookup(d, "many.test", AF_INET, &a), DNS_FOUND);
    assert_int_equal(a.count, DNS_MAX_ADDRS);
    assert_true(a.info.truncated);
}

static void nodata_is_not_found(void **state)
{
    dns_addrs a;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_addrs_lookup(d, "v4only.test", AF_INET6, &a), DNS_NOTFOUND);
    assert_non_null(strstr(a.info.why, "NODATA"));
}

static void nxdomain_is_not_found(void **state)
{
    dns_addrs a;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_addrs_lookup(d, "nothere.test", AF_INET, &a), DNS_NOTFOUND);
    assert_non_null(strstr(a.info.why, "NXDOMAIN"));
}

static void servfail_is_tempfail(void **state)
{
    dns_addrs a;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_addrs_lookup(d, "x.servfail.test", AF_INET, &a), DNS_TEMPFAIL);
    assert_non_null(strstr(a.info.why, "SERVFAIL"));
}

static void refused_is_tempfail(void **state)
{
    dns_addrs a;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_addrs_lookup(d, "x.refused.test", AF_INET, &a), DNS_TEMPFAIL);
}

static void bad_names_are_permfail(void **state)
{
    static const char *const bad[] = {"", ".", "a..b", "sp ace.test", "ctl\x01.test", ".lead"};
    dns_addrs a;
    dns_txts t;
    char long_name[300];

    (void)state;
    NEED_SERVER();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dns_addrs_lookup(d, bad[i], AF_INET, &a), DNS_PERMFAIL);
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(dns_txt(d, long_name, &t), DNS_PERMFAIL);
    dns_txts_free(&t);
    assert_int_equal(dns_addrs_lookup(d, "host.test", AF_UNIX, &a), DNS_PERMFAIL);
}

static void txt_strings_are_joined(void **state)
{
    dns_txts t;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_txt(d, "sel._domainkey.test", &t), DNS_FOUND);
    assert_int_equal(t.count, 1);
    assert_string_equal(t.rec[0], "v=DKIM1; k=rsa; p=ABC");
    assert_int_equal(t.len[0], strlen("v=DKIM1; k=rsa; p=ABC"));
    dns_txts_free(&t);
}

static void txt_records_are_separate(void **state)
{
    dns_txts t;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_txt(d, "multi.test", &t), DNS_FOUND);
    assert_int_equal(t.count, 2);
    assert_true((strcmp(t.rec[0], "one") == 0 && strcmp(t.rec[1], "two") == 0) ||
                (strcmp(t.rec[0], "two") == 0 && strcmp(t.rec[1], "one") == 0));
    dns_txts_free(&t);
}

static void txt_long_record(void **state)
{
    dns_txts t;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_txt(d, "long.test", &t), DNS_FOUND);
    assert_int_equal(t.count, 1);
    assert_int_equal(t.len[0], 600);
    for (size_t i = 0; i < 600; i++)
        assert_int_equal(t.rec[0][i], 'a' + (int)(i % 26));
    dns_txts_free(&t);
}

static void txt_oversized_record_dropped(void **state)
{
    dns_txts t;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_txt(d, "huge.test", &t), DNS_NOTFOUND);
    assert_true(t.info.truncated);
    dns_txts_free(&t);
}

static void fcrdns_with_real_dns(void **state)
{
    dns_resolver r;
    fcrdns_result f;
    cidr_addr a = addr_of("127.0.0.10"), forged = addr_of("127.0.0.16"),
              v6 = addr_of("2001:db8::10");

    (void)state;
    NEED_SERVER();
    r = dns_resolver_of(d);
    assert_int_equal(fcrdns_check(&r, &a, 0, NULL, &f), FCRDNS_OK);
    assert_string_equal(f.name, "host.test");
    fcrdns_result_free(&f);
    assert_int_equal(fcrdns_check(&r, &forged, 0, NULL, &f), FCRDNS_FORGED);
    fcrdns_result_free(&f);
    assert_int_equal(fcrdns_check(&r, &v6, 0, NULL, &f), FCRDNS_OK);
    assert_string_equal(f.name, "host6.test");
    fcrdns_result_free(&f);
}

static void timeout_gives_tempfail_in_time(void **state)
{
    const char *silent = getenv("MK_DNS_SILENT");
    dns_config cfg = {.servers = &silent, .nservers = 1, .timeout_ms = 400};
    const char *error;
    dns *s;
    dns_addrs a;
    dns_names n;
    fcrdns_result f;
    dns_resolver r;
    cidr_addr addr = addr_of("127.0.0.10");
    double t0;

    (void)state;
    if (silent == NULL)
        skip();
    assert_int_equal(dns_new(&cfg, &s, &error), 0);
    t0 = now_ms();
    assert_int_equal(dns_addrs_lookup(s, "host.test", AF_INET, &a), DNS_TEMPFAIL);
    assert_string_equal(a.info.why, "timeout");
    assert_true(now_ms() - t0 >= 350);
    assert_true(now_ms() - t0 < 1500);
    assert_int_equal(dns_ptr(s, &addr, &n), DNS_TEMPFAIL);
    dns_names_free(&n);
    r = dns_resolver_of(s);
    assert_int_equal(fcrdns_check(&r, &addr, 0, NULL, &f), FCRDNS_TEMP);
    assert_int_equal(f.failed_step, FCRDNS_STEP_PTR);
    assert_false(f.out_of_time);
    fcrdns_result_free(&f);
    {
        /* A budget shorter than one query's timeout ends the check first. */
        dns_budget b = dns_budget_in(150);

        t0 = now_ms();
        assert_int_equal(fcrdns_check(&r, &addr, 0, &b, &f), FCRDNS_TEMP);
        assert_true(now_ms() - t0 < 350);
        assert_true(f.out_of_time);
        assert_int_equal(f.failed_step, FCRDNS_STEP_PTR);
        fcrdns_result_free(&f);
    }
    dns_free(&s); /* with abandoned queries pending */
    assert_null(s);
}

static void dnssec_validation_with_trust_anchor(void **state)
{
    const char *server = getenv("MK_DNS_SERVER");
    char path[] = "/tmp/test_dns_ta.XXXXXX";
    static const char ds[] = ". IN DS 20326 8 2 "
                             "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n";
    int fd = mkstemp(path);
    dns_config cfg = {
        .servers = &server, .nservers = 1, .timeout_ms = 3000, .trust_anchor_file = path};
    const char *error;
    dns *v;
    dns_addrs a;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, ds, sizeof ds - 1), (ssize_t)(sizeof ds - 1));
    close(fd);
    if (server == NULL) {
        unlink(path);
        skip();
    }
    assert_int_equal(dns_new(&cfg, &v, &error), 0);
    /* The test server signs nothing: with the root anchor the answer cannot
     * be validated, which must not pass as an answer. */
    assert_int_equal(dns_addrs_lookup(v, "host.test", AF_INET, &a), DNS_TEMPFAIL);
    assert_non_null(strstr(a.info.why, "DNSSEC"));
    dns_free(&v);
    unlink(path);
}

/* ---- dns_lookup: any type, and budgets ---- */

static void lookup_mx_in_answer_order_with_preferences(void **state)
{
    dns_answer a;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_lookup(d, "mx.test", DNS_T_MX, NULL, &a), DNS_FOUND);
    assert_int_equal(a.count, 2);
    for (size_t i = 0; i < a.count; i++) {
        if (a.rr[i].pref == 10)
            assert_string_equal(a.rr[i].text, "mail1.test");
        else if (a.rr[i].pref == 20)
            assert_string_equal(a.rr[i].text, "mail2.test");
        else
            fail_msg("unexpected preference %u", a.rr[i].pref);
    }
    dns_answer_free(&a);
    /* Names are not filtered to host names (SPF asks for them as they are),
     * but a label holding a '.' has no text form and is dropped. */
    assert_int_equal(dns_lookup(d, "oddmx.test", DNS_T_MX, NULL, &a), DNS_FOUND);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.rr[0].text, "foo:bar/baz.test");
    dns_answer_free(&a);
    /* RFC 7505 null MX: the exchange "." is not a host, so nothing usable. */
    assert_int_equal(dns_lookup(d, "nullmx.test", DNS_T_MX, NULL, &a), DNS_NOTFOUND);
    assert_false(a.info.nxdomain);
    dns_answer_free(&a);
}

static void lookup_every_txt_record(void **state)
{
    dns_answer a;
    int seen[40] = {0};

    (void)state;
    NEED_SERVER();
    /* More than DNS_MAX_TXT_RECORDS: dns_txt() would drop some, SPF must not. */
    assert_int_equal(dns_lookup(d, "manytxt.test", DNS_T_TXT, NULL, &a), DNS_FOUND);
    assert_int_equal(a.count, 40);
    assert_false(a.info.truncated);
    for (size_t i = 0; i < a.count; i++) {
        int n = -1;

        assert_int_equal(sscanf(a.rr[i].text, "rec %d", &n), 1);
        assert_true(n >= 0 && n < 40);
        assert_int_equal(a.rr[i].len, strlen(a.rr[i].text));
        seen[n]++;
    }
    for (int i = 0; i < 40; i++)
        assert_int_equal(seen[i], 1);
    dns_answer_free(&a);
    assert_int_equal(dns_lookup(d, "sel._domainkey.test", DNS_T_TXT, NULL, &a), DNS_FOUND);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.rr[0].text, "v=DKIM1; k=rsa; p=ABC");
    dns_answer_free(&a);
    assert_int_equal(dns_lookup(d, "huge.test", DNS_T_TXT, NULL, &a), DNS_NOTFOUND);
    assert_true(a.info.truncated);
    dns_answer_free(&a);
}

static void lookup_addresses_and_ptr(void **state)
{
    dns_answer a;
    cidr_addr want = addr_of("127.0.0.10"), want6 = addr_of("2001:db8::10");
    str_t rev;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_lookup(d, "host.test", DNS_T_A, NULL, &a), DNS_FOUND);
    assert_int_equal(a.count, 2);
    assert_true(memcmp(a.rr[0].addr.b, want.b, 16) == 0 ||
                memcmp(a.rr[1].addr.b, want.b, 16) == 0);
    dns_answer_free(&a);
    assert_int_equal(dns_lookup(d, "host.test", DNS_T_AAAA, NULL, &a), DNS_FOUND);
    assert_int_equal(a.count, 1);
    assert_memory_equal(a.rr[0].addr.b, want6.b, 16);
    dns_answer_free(&a);
    /* More than DNS_MAX_ADDRS addresses: all kept here. */
    assert_int_equal(dns_lookup(d, "many.test", DNS_T_A, NULL, &a), DNS_FOUND);
    assert_int_equal(a.count, 40);
    dns_answer_free(&a);
    str_init(&rev);
    dns_reverse_name(&want, &rev);
    assert_int_equal(dns_lookup(d, rev.buf, DNS_T_PTR, NULL, &a), DNS_FOUND);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.rr[0].text, "host.test");
    dns_answer_free(&a);
    str_free(&rev);
    assert_int_equal(dns_lookup(d, "host.test", (dns_type)99, NULL, &a), DNS_PERMFAIL);
    dns_answer_free(&a);
}

static void lookup_tells_nxdomain_from_nodata(void **state)
{
    dns_answer a;
    dns_addrs x;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_lookup(d, "nothere.test", DNS_T_TXT, NULL, &a), DNS_NOTFOUND);
    assert_true(a.info.nxdomain);
    dns_answer_free(&a);
    assert_int_equal(dns_lookup(d, "v4only.test", DNS_T_TXT, NULL, &a), DNS_NOTFOUND);
    assert_false(a.info.nxdomain);
    dns_answer_free(&a);
    /* The typed lookups report it too. */
    assert_int_equal(dns_addrs_lookup(d, "nothere.test", AF_INET, &x), DNS_NOTFOUND);
    assert_true(x.info.nxdomain);
    assert_int_equal(dns_addrs_lookup(d, "v4only.test", AF_INET6, &x), DNS_NOTFOUND);
    assert_false(x.info.nxdomain);
    assert_int_equal(dns_lookup(d, "x.servfail.test", DNS_T_A, NULL, &a), DNS_TEMPFAIL);
    assert_false(a.info.nxdomain);
    dns_answer_free(&a);
}

static void budget_arithmetic(void **state)
{
    dns_budget none = dns_budget_in(0), b = dns_budget_in(60000), gone;

    (void)state;
    assert_int_equal(none.deadline_ns, 0);
    assert_true(dns_budget_left_ms(&none) == UINT64_MAX);
    assert_true(dns_budget_left_ms(NULL) == UINT64_MAX);
    assert_false(dns_budget_spent(&none));
    assert_false(dns_budget_spent(NULL));
    assert_true(dns_budget_left_ms(&b) > 59000 && dns_budget_left_ms(&b) <= 60000);
    assert_false(dns_budget_spent(&b));
    gone = (dns_budget){.deadline_ns = 1}; /* long past */
    assert_true(dns_budget_spent(&gone));
    assert_int_equal(dns_budget_left_ms(&gone), 0);
}

static void spent_budget_sends_nothing(void **state)
{
    dns_budget gone = {.deadline_ns = 1};
    dns_answer a;

    (void)state;
    NEED_SERVER();
    assert_int_equal(dns_lookup(d, "budget-unasked.test", DNS_T_A, &gone, &a), DNS_TEMPFAIL);
    assert_string_equal(a.info.why, DNS_WHY_BUDGET);
    dns_answer_free(&a);
    /* With time left the same handle answers (the budget is per call). */
    gone = dns_budget_in(30000);
    assert_int_equal(dns_lookup(d, "host.test", DNS_T_A, &gone, &a), DNS_FOUND);
    dns_answer_free(&a);
}

/* An answer asked again comes from the answer cache (dns_cache_stats), under
 * another case or with a trailing dot too; a spent budget still refuses
 * first; a failure (REFUSED) is asked again every time. */
static void answers_are_cached_failures_are_not(void **state)
{
    dns_budget gone = {.deadline_ns = 1};
    uint64_t hits0, misses0, hits, misses;
    dns_answer a;

    (void)state;
    NEED_SERVER();
    dns_cache_stats(d, &hits0, &misses0);
    assert_int_equal(dns_lookup(d, "multi.test", DNS_T_TXT, NULL, &a), DNS_FOUND);
    dns_answer_free(&a);
    assert_int_equal(dns_lookup(d, "MULTI.test.", DNS_T_TXT, NULL, &a), DNS_FOUND);
    assert_int_equal(a.count, 2);
    dns_answer_free(&a);
    assert_int_equal(dns_lookup(d, "nothere.test", DNS_T_TXT, NULL, &a), DNS_NOTFOUND);
    dns_answer_free(&a);
    assert_int_equal(dns_lookup(d, "nothere.test", DNS_T_TXT, NULL, &a), DNS_NOTFOUND);
    assert_true(a.info.nxdomain);
    dns_answer_free(&a);
    dns_cache_stats(d, &hits, &misses);
    assert_true(hits - hits0 >= 2);
    assert_int_equal(dns_lookup(d, "multi.test", DNS_T_TXT, &gone, &a), DNS_TEMPFAIL);
    assert_string_equal(a.info.why, DNS_WHY_BUDGET);
    dns_answer_free(&a);
    dns_cache_stats(d, &hits0, &misses0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(dns_lookup(d, "x.refused.test", DNS_T_TXT, NULL, &a), DNS_TEMPFAIL);
        dns_answer_free(&a);
    }
    dns_cache_stats(d, &hits, &misses);
    assert_int_equal(hits, hits0);
    assert_int_equal(misses - misses0, 2);
}

/* A chain of queries to a server that never answers ends when the budget
 * does, not after chain-length x per-query timeout: the second query is
 * cut short at the deadline, the others are not sent. */
static void budget_bounds_a_chain_of_queries(void **state)
{
    const char *silent = getenv("MK_DNS_SILENT");
    dns_config cfg = {.servers = &silent, .nservers = 1, .timeout_ms = 900};
    const char *error;
    dns_budget b;
    dns_answer a;
    dns *s;
    double t0, took;
    int by_budget = 0;

    (void)state;
    if (silent == NULL)
        skip();
    assert_int_equal(dns_new(&cfg, &s, &error), 0);
    t0 = now_ms();
    b = dns_budget_in(1000);
    for (int i = 0; i < 10; i++) {
        char name[64];

        snprintf(name, sizeof name, "chain%d.test", i);
        assert_int_equal(dns_lookup(s, name, DNS_T_TXT, &b, &a), DNS_TEMPFAIL);
        if (strcmp(a.info.why, DNS_WHY_BUDGET) == 0)
            by_budget++;
        else
            assert_string_equal(a.info.why, "timeout");
        dns_answer_free(&a);
    }
    took = now_ms() - t0;
    /* 10 x 900 ms without a budget, 1800 ms if the deadline did not cut the
     * second query short; with it about 1000 ms. */
    assert_true(took >= 950);
    assert_true(took < 1500);
    assert_int_equal(by_budget, 9); /* the first timed out on its own */
    assert_true(dns_budget_spent(&b));
    dns_free(&s);
}

/* One query stuck on a name whose server never answers does not hold up
 * the others on the same handle: no lock is held while a query waits. */
typedef struct stuck {
    dns *d;
    dns_status st;
    double took;
} stuck;

static void *ask_slow(void *arg)
{
    stuck *s = arg;
    dns_budget b = dns_budget_in(2000);
    dns_answer a;
    double t0 = now_ms();

    s->st = dns_lookup(s->d, "x.slow.test", DNS_T_TXT, &b, &a);
    s->took = now_ms() - t0;
    dns_answer_free(&a);
    return NULL;
}

static void stuck_query_does_not_serialise_others(void **state)
{
    const char *mixed = getenv("MK_DNS_MIXED");
    dns_config cfg = {.servers = &mixed, .nservers = 1, .timeout_ms = 5000};
    const char *error;
    pthread_t th;
    stuck s = {0};
    dns *m;
    double t0, quick;
    int ok = 0;

    (void)state;
    if (mixed == NULL)
        skip();
    assert_int_equal(dns_new(&cfg, &m, &error), 0);
    s.d = m;
    assert_int_equal(pthread_create(&th, NULL, ask_slow, &s), 0);
    t0 = now_ms();
    for (int i = 0; i < 50; i++) {
        dns_answer a;
        char name[32];

        snprintf(name, sizeof name, "q%d.host.test", i); /* not cached */
        if (dns_lookup(m, i % 2 ? "host.test" : name, DNS_T_A, NULL, &a) != DNS_TEMPFAIL)
            ok++;
        dns_answer_free(&a);
    }
    quick = now_ms() - t0;
    pthread_join(th, NULL);
    assert_int_equal(ok, 50);
    assert_int_equal(s.st, DNS_TEMPFAIL); /* the stuck one ran out of its budget */
    assert_true(s.took >= 1900);
    assert_true(quick < s.took); /* the others finished while it still waited */
    dns_free(&m);
}

/* Many threads on one handle, and a timing-out handle at the same time. */
typedef struct worker {
    dns *silent;
    int failures;
} worker;

/* No cmocka assertions in here: they must run on the main thread. */
static void *hammer(void *arg)
{
    worker *w = arg;
    cidr_addr a;

    if (cidr_addr_parse("127.0.0.10", &a) < 0) {
        w->failures++;
        return NULL;
    }

    for (int i = 0; i < 60; i++) {
        dns_names n;
        dns_addrs x;
        dns_txts t;

        if (dns_ptr(d, &a, &n) != DNS_FOUND || strcmp(n.name[0], "host.test") != 0)
            w->failures++;
        dns_names_free(&n);
        if (dns_addrs_lookup(d, "host.test", AF_INET, &x) != DNS_FOUND || x.count != 2)
            w->failures++;
        if (dns_txt(d, "sel._domainkey.test", &t) != DNS_FOUND)
            w->failures++;
        dns_txts_free(&t);
        if (i % 20 == 0 && dns_addrs_lookup(w->silent, "host.test", AF_INET, &x) != DNS_TEMPFAIL)
            w->failures++;
    }
    return NULL;
}

static void concurrent_queries_share_one_context(void **state)
{
    const char *silent = getenv("MK_DNS_SILENT");
    dns_config cfg = {.servers = &silent, .nservers = 1, .timeout_ms = 100};
    const char *error;
    pthread_t th[8];
    worker w[8];
    dns *s;

    (void)state;
    NEED_SERVER();
    if (silent == NULL)
        skip();
    assert_int_equal(dns_new(&cfg, &s, &error), 0);
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){.silent = s};
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    dns_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reverse_names_ipv4_and_ipv6),
        cmocka_unit_test(bad_configs_are_refused),
        cmocka_unit_test(status_names),
        cmocka_unit_test(ptr_ipv4_found),
        cmocka_unit_test(ptr_ipv6_found),
        cmocka_unit_test(ptr_multiple_names),
        cmocka_unit_test(ptr_names_are_bounded),
        cmocka_unit_test(ptr_unusable_names_are_dropped),
        cmocka_unit_test(ptr_not_found),
        cmocka_unit_test(a_records_found),
        cmocka_unit_test(aaaa_record_found),
        cmocka_unit_test(cname_is_followed),
        cmocka_unit_test(addresses_are_bounded),
        cmocka_unit_test(nodata_is_not_found),
        cmocka_unit_test(nxdomain_is_not_found),
        cmocka_unit_test(servfail_is_tempfail),
        cmocka_unit_test(refused_is_tempfail),
        cmocka_unit_test(bad_names_are_permfail),
        cmocka_unit_test(txt_strings_are_joined),
        cmocka_unit_test(txt_records_are_separate),
        cmocka_unit_test(txt_long_record),
        cmocka_unit_test(txt_oversized_record_dropped),
        cmocka_unit_test(fcrdns_with_real_dns),
        cmocka_unit_test(timeout_gives_tempfail_in_time),
        cmocka_unit_test(dnssec_validation_with_trust_anchor),
        cmocka_unit_test(concurrent_queries_share_one_context),
        cmocka_unit_test(lookup_mx_in_answer_order_with_preferences),
        cmocka_unit_test(lookup_every_txt_record),
        cmocka_unit_test(lookup_addresses_and_ptr),
        cmocka_unit_test(lookup_tells_nxdomain_from_nodata),
        cmocka_unit_test(budget_arithmetic),
        cmocka_unit_test(spent_budget_sends_nothing),
        cmocka_unit_test(answers_are_cached_failures_are_not),
        cmocka_unit_test(budget_bounds_a_chain_of_queries),
        cmocka_unit_test(stuck_query_does_not_serialise_others),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
