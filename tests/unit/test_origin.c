/* test_origin.c - unit tests of the trusted-origin rule (lib/origin) and of
 * lib/snapshot's reference counting. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/mem.h"
#include "milter/origin.h"
#include "core/snapshot.h"

static void make_site(site_settings *s)
{
    cidr c;
    const char *why;
    static char *daemons[] = {"MSA", "ORIGINATING"};

    memset(s, 0, sizeof *s);
    cidr_set_init(&s->internal);
    assert_int_equal(cidr_parse("192.168.0.0/16", &c, &why), 0);
    cidr_set_add(&s->internal, &c);
    assert_int_equal(cidr_parse("2001:db8:1::/48", &c, &why), 0);
    cidr_set_add(&s->internal, &c);
    s->submission_daemons.items = daemons;
    s->submission_daemons.count = 2;
}

typedef struct {
    const char *addr; /* NULL: no address */
    const char *auth;
    const char *daemon;
    origin_reason expect;
} origin_case;

static const origin_case cases[] = {
    {"192.168.1.10", NULL, NULL, ORIGIN_INTERNAL_NETWORK},
    {"::ffff:192.168.1.10", NULL, NULL, ORIGIN_INTERNAL_NETWORK},
    {"2001:db8:1::25", NULL, NULL, ORIGIN_INTERNAL_NETWORK},
    {"203.0.113.5", NULL, NULL, ORIGIN_UNTRUSTED},
    {"203.0.113.5", "alice", NULL, ORIGIN_AUTH},
    {"203.0.113.5", "", NULL, ORIGIN_UNTRUSTED},   /* empty macro is no AUTH */
    {"203.0.113.5", NULL, "MSA", ORIGIN_SUBMISSION_DAEMON},
    {"203.0.113.5", NULL, "MTA", ORIGIN_UNTRUSTED},
    {"203.0.113.5", NULL, "msa", ORIGIN_UNTRUSTED}, /* daemon names are exact */
    {NULL, NULL, NULL, ORIGIN_UNTRUSTED},           /* no address: not trusted by address */
    {NULL, "bob", NULL, ORIGIN_AUTH},
    {"192.168.1.10", "alice", "MSA", ORIGIN_AUTH},  /* AUTH is reported first */
};

static void trusted_origin_rule(void **state)
{
    site_settings s;

    make_site(&s);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cidr_addr a;
        origin_reason r;

        if (cases[i].addr)
            assert_int_equal(cidr_addr_parse(cases[i].addr, &a), 0);
        r = origin_check(&s, cases[i].addr ? &a : NULL, cases[i].auth, cases[i].daemon);
        if (r != cases[i].expect)
            fail_msg("case %zu: got %s, want %s", i, origin_reason_name(r),
                     origin_reason_name(cases[i].expect));
    }
    assert_true(origin_is_trusted(ORIGIN_AUTH));
    assert_false(origin_is_trusted(ORIGIN_UNTRUSTED));
    cidr_set_free(&s.internal);
}

static int freed;

static void count_free(void *p)
{
    freed++;
    mem_free(&p);
}

static void snapshot_lives_until_last_reader(void **state)
{
    snapshot_holder h;
    snapshot *a, *b;

    snapshot_holder_init(&h);
    assert_null(snapshot_acquire(&h));
    freed = 0;
    assert_int_equal(snapshot_publish(&h, mem_strdup("one"), count_free), 1);
    a = snapshot_acquire(&h);
    assert_string_equal(a->data, "one");
    assert_int_equal(snapshot_publish(&h, mem_strdup("two"), count_free), 2);
    assert_int_equal(freed, 0); /* "one" still held by a message in flight */
    b = snapshot_acquire(&h);
    assert_string_equal(b->data, "two");
    snapshot_release(&a);
    assert_null(a);
    assert_int_equal(freed, 1);
    snapshot_holder_clear(&h);
    assert_int_equal(freed, 1);
    snapshot_release(&b);
    assert_int_equal(freed, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trusted_origin_rule),
        cmocka_unit_test(snapshot_lives_until_last_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
