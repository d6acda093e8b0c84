/*
 * test_dnscache.c - unit tests of lib/dns/dnscache: which answers are kept,
 * for how long, under which names, and that a full table stays bounded.
 * Answers are built here as libunbound hands them (struct ub_result); the
 * clock is the caller's now_ns, so expiry is tested without waiting.  The
 * cache inside lib/dns is tested against a real server in test_dns.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "dns/dnscache.h"

#define SEC 1000000000ull
#define T_TXT 16
#define T_A 1

/* An answer of rcode with the given TXT-ish records (NULL-terminated). */
static struct ub_result *answer(int rcode, int ttl, const char *const *recs)
{
    static char *none[] = {NULL};
    struct ub_result tmp;
    size_t n = 0;
    char *data[8];
    int len[8];

    memset(&tmp, 0, sizeof tmp);
    for (; recs != NULL && recs[n] != NULL; n++) {
        data[n] = (char *)recs[n];
        len[n] = (int)strlen(recs[n]);
    }
    data[n] = NULL;
    tmp.rcode = rcode;
    tmp.ttl = ttl;
    tmp.havedata = n > 0;
    tmp.nxdomain = rcode == 3;
    tmp.data = n > 0 ? data : none;
    tmp.len = len;
    return dnscache_copy(&tmp);
}

static void kept_for_the_ttl_under_any_case(void **state)
{
    static const char *const recs[] = {"v=spf1 -all", "second", NULL};
    dnscache *c = dnscache_new(64, 300);
    struct ub_result *a = answer(0, 30, recs), *got;
    uint64_t hits, misses;

    (void)state;
    assert_null(dnscache_get(c, "example.org", T_TXT, 100 * SEC));
    dnscache_put(c, "example.org", T_TXT, a, 100 * SEC);
    got = dnscache_get(c, "EXAMPLE.org.", T_TXT, 129 * SEC);
    assert_non_null(got);
    assert_int_equal(got->len[0], 11);
    assert_memory_equal(got->data[1], "second", 6);
    assert_null(got->data[2]);
    assert_true(got->havedata);
    dnscache_result_free(&got);
    assert_null(got);
    assert_null(dnscache_get(c, "example.org", T_A, 101 * SEC));   /* another type */
    assert_null(dnscache_get(c, "example.org", T_TXT, 130 * SEC)); /* expired */
    dnscache_stats(c, &hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 3);
    dnscache_result_free(&a);
    dnscache_free(&c);
    assert_null(c);
}

static void long_ttls_are_capped(void **state)
{
    static const char *const recs[] = {"x", NULL};
    dnscache *c = dnscache_new(64, 60);
    struct ub_result *a = answer(0, 86400, recs), *got;

    (void)state;
    dnscache_put(c, "a.test", T_TXT, a, 0);
    got = dnscache_get(c, "a.test", T_TXT, 59 * SEC);
    assert_non_null(got);
    dnscache_result_free(&got);
    assert_null(dnscache_get(c, "a.test", T_TXT, 60 * SEC));
    dnscache_result_free(&a);
    dnscache_free(&c);
}

/* Kept: NODATA and NXDOMAIN; never a failure, a bogus answer, a TTL of 0
 * or an answer larger than DNSCACHE_MAX_BYTES. */
static void what_is_kept(void **state)
{
    char big[DNSCACHE_MAX_BYTES / 2 + 8];
    const char *const bigs[] = {big, big, big, NULL};
    struct {
        const char *name;
        struct ub_result *res;
        bool kept;
    } cases[] = {
        {"nodata.test", answer(0, 30, NULL), true},
        {"nx.test", answer(3, 30, NULL), true},
        {"servfail.test", answer(2, 30, NULL), false},
        {"refused.test", answer(5, 30, NULL), false},
        {"ttl0.test", answer(0, 0, NULL), false},
        {"bogus.test", answer(0, 30, NULL), false},
        {"big.test", NULL, false},
    };
    dnscache *c = dnscache_new(64, 300);

    (void)state;
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cases[5].res->bogus = 1;
    cases[6].res = answer(0, 30, bigs);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ub_result *got;

        dnscache_put(c, cases[i].name, T_TXT, cases[i].res, 0);
        got = dnscache_get(c, cases[i].name, T_TXT, 1);
        if ((got != NULL) != cases[i].kept)
            fail_msg("%s: %s", cases[i].name, got ? "kept" : "not kept");
        if (got != NULL)
            assert_int_equal(got->rcode, cases[i].res->rcode);
        dnscache_result_free(&got);
        dnscache_result_free(&cases[i].res);
    }
    dnscache_free(&c);
}

/* More names than slots: the table keeps at most one answer per slot, and
 * every answer it gives is the one of the name asked. */
static void a_full_table_stays_bounded_and_right(void **state)
{
    dnscache *c = dnscache_new(8, 300);
    size_t found = 0;

    (void)state;
    for (int i = 0; i < 100; i++) {
        char name[32], rec[32];
        const char *const recs[] = {rec, NULL};
        struct ub_result *a;

        snprintf(name, sizeof name, "n%d.test", i);
        snprintf(rec, sizeof rec, "r%d", i);
        a = answer(0, 30, recs);
        dnscache_put(c, name, T_TXT, a, 0);
        dnscache_result_free(&a);
    }
    for (int i = 0; i < 100; i++) {
        char name[32], rec[32];
        struct ub_result *got;

        snprintf(name, sizeof name, "n%d.test", i);
        snprintf(rec, sizeof rec, "r%d", i);
        got = dnscache_get(c, name, T_TXT, 1);
        if (got == NULL)
            continue;
        found++;
        assert_int_equal(got->len[0], (int)strlen(rec));
        assert_memory_equal(got->data[0], rec, strlen(rec));
        dnscache_result_free(&got);
    }
    assert_true(found >= 1 && found <= 8);
    dnscache_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kept_for_the_ttl_under_any_case),
        cmocka_unit_test(long_ttls_are_capped),
        cmocka_unit_test(what_is_kept),
        cmocka_unit_test(a_full_table_stays_bounded_and_right),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
