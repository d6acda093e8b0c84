/* test_cidr.c - unit tests of lib/cidr: parsing, matching, IPv4-mapped IPv6. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

typedef struct {
    const char *prefix;
    const char *addr;
    int match;
} match_case;

static const match_case match_cases[] = {
    {"127.0.0.0/8", "127.0.0.1", 1},
    {"127.0.0.0/8", "127.255.255.255", 1},
    {"127.0.0.0/8", "128.0.0.1", 0},
    {"192.168.0.0/16", "192.168.44.1", 1},
    {"192.168.0.0/16", "192.169.0.1", 0},
    {"10.1.2.3", "10.1.2.3", 1},
    {"10.1.2.3", "10.1.2.4", 0},
    {"10.1.2.3/32", "10.1.2.3", 1},
    {"0.0.0.0/0", "203.0.113.9", 1},
    {"0.0.0.0/0", "2001:db8::1", 0},
    {"172.16.0.0/12", "172.31.255.1", 1},
    {"172.16.0.0/12", "172.32.0.1", 0},
    {"::1/128", "::1", 1},
    {"::1/128", "::2", 0},
    {"::1", "::1", 1},
    {"2001:db8::/32", "2001:db8:ffff::1", 1},
    {"2001:db8::/32", "2001:db9::1", 0},
    {"fe80::/10", "febf::1", 1},
    {"fe80::/10", "fec0::1", 0},
    {"::/0", "127.0.0.1", 1},
    /* An IPv4 prefix matches the same client seen as IPv4-mapped IPv6. */
    {"127.0.0.0/8", "::ffff:127.0.0.1", 1},
    {"192.168.0.0/16", "::ffff:192.168.1.1", 1},
    {"::ffff:10.0.0.0/104", "10.2.3.4", 1},
    {"[2001:db8::]/32", "2001:db8::5", 1},
    {"127.0.0.0/8", "::127.0.0.1", 0}, /* IPv4-compatible is not mapped */
};

static void prefixes_match_as_expected(void **state)
{
    for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
        const match_case *t = &match_cases[i];
        cidr c;
        cidr_addr a;
        const char *why = NULL;

        assert_int_equal(cidr_parse(t->prefix, &c, &why), 0);
        assert_int_equal(cidr_addr_parse(t->addr, &a), 0);
        if (cidr_match(&c, &a) != (t->match != 0))
            fail_msg("%s ~ %s: expected %d", t->prefix, t->addr, t->match);
    }
}

static const char *const bad_prefixes[] = {
    "", "/8", "127.0.0.1/33", "::1/129", "127.0.0.1/", "127.0.0.1/8x", "127.0.0.1/-1",
    "10.0.0.1/8",  /* host bits set */
    "2001:db8::1/32", "example.net", "1.2.3", "1.2.3.4.5", "300.1.1.1", ":::1",
    "1.2.3.4/08x", "127.0.0.0/+8",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

static void bad_prefixes_are_refused(void **state)
{
    for (size_t i = 0; i < sizeof bad_prefixes / sizeof bad_prefixes[0]; i++) {
        cidr c;
        const char *why = NULL;

        if (cidr_parse(bad_prefixes[i], &c, &why) == 0)
            fail_msg("accepted bad prefix \"%s\"", bad_prefixes[i]);
        assert_non_null(why);
    }
}

static void sockaddr_conversion(void **state)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    struct sockaddr sun = {.sa_family = AF_UNIX};
    cidr_addr a;
    char buf[64];

    sin.sin_addr.s_addr = htonl(0x7f000001);
    assert_int_equal(cidr_addr_from_sockaddr((struct sockaddr *)&sin, &a), 0);
    assert_true(cidr_addr_is_v4(&a));
    cidr_addr_format(&a, buf, sizeof buf);
    assert_string_equal(buf, "127.0.0.1");
    sin6.sin6_addr.s6_addr[15] = 1;
    assert_int_equal(cidr_addr_from_sockaddr((struct sockaddr *)&sin6, &a), 0);
    assert_false(cidr_addr_is_v4(&a));
    cidr_addr_format(&a, buf, sizeof buf);
    assert_string_equal(buf, "::1");
    assert_int_equal(cidr_addr_from_sockaddr(&sun, &a), -1);
    assert_int_equal(cidr_addr_from_sockaddr(NULL, &a), -1);
}

static void set_matches_any_member(void **state)
{
    cidr_set set;
    cidr c;
    cidr_addr a;
    const char *why;

    cidr_set_init(&set);
    assert_int_equal(cidr_addr_parse("192.168.1.1", &a), 0);
    assert_false(cidr_set_match(&set, &a));
    assert_int_equal(cidr_parse("10.0.0.0/8", &c, &why), 0);
    cidr_set_add(&set, &c);
    assert_false(cidr_set_match(&set, &a));
    assert_int_equal(cidr_parse("192.168.0.0/16", &c, &why), 0);
    cidr_set_add(&set, &c);
    assert_true(cidr_set_match(&set, &a));
    cidr_set_free(&set);
    assert_int_equal(set.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefixes_match_as_expected),
        cmocka_unit_test(bad_prefixes_are_refused),
        cmocka_unit_test(sockaddr_conversion),
        cmocka_unit_test(set_matches_any_member),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
