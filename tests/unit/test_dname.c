/* test_dname.c - unit tests of lib/core/dname: one case per line, each
 * name judged under every named rule set (host, match, signing, selector). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/dname.h"

#define L63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L61 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define N253 L63 "." L63 "." L63 "." L61

typedef struct name_case {
    const char *name;
    bool host, match, signing, selector; /* valid under DNAME_HOST, _MATCH, _SIGNING, _SELECTOR */
    const char *why;                     /* substring of the host rule's reason, or NULL */
} name_case;

static const name_case cases[] = {
    /* name                       host   match  sign   sel    reason under DNAME_HOST */
    {"example.net",               true,  true,  true,  true,  NULL},
    {"EXAMPLE.Net",               true,  true,  true,  true,  NULL},
    {"mail.example.net",          true,  true,  true,  true,  NULL},
    {"localhost",                 true,  true,  false, true,  NULL},
    {"202611",                    false, false, false, true,  "all digits"},
    {"2026.11",                   false, false, false, true,  "all digits"},
    {"202611.example",            true,  true,  true,  true,  NULL},
    {"3com.example",              true,  true,  true,  true,  NULL},
    {"x-1.example",               true,  true,  true,  true,  NULL},
    {"a",                         true,  true,  false, true,  NULL},
    {"net",                       true,  true,  false, true,  NULL},
    {"",                          false, false, false, false, "empty"},
    {".",                         false, false, false, false, "empty label"},
    {"home..example.net",         false, false, false, false, "empty label"},
    {".example.net",              false, false, false, false, "empty label"},
    {"example.net.",              false, true,  false, false, "trailing dot"},
    {"example.net..",             false, false, false, false, "empty label"},
    {"-a.example.net",            false, false, false, false, "starts or ends with '-'"},
    {"a-.example.net",            false, false, false, false, "starts or ends with '-'"},
    {"my_pc.home.example.net",    false, true,  false, false, "only letters, digits, '-' and dots"},
    {"_domainkey.example.net",    false, true,  false, false, "only letters"},
    {"sel_1",                     false, true,  false, false, "only letters"},
    {"exa mple.net",              false, false, false, false, "only letters"},
    {"user@example.net",          false, false, false, false, "only letters"},
    {"example.net/x",             false, false, false, false, "only letters"},
    {"ex\xc3\xa4mple.net",        false, false, false, false, "only letters"},
    {"xn--exmple-cua.net",        true,  true,  true,  true,  NULL},
    {"192.168.0.1",               false, false, false, true,  "all digits"},
    {"[192.168.0.1]",             false, false, false, false, "only letters"},
    {L63 ".example",              true,  true,  true,  true,  NULL},
    {L63 "a.example",             false, false, false, false, "longer than 63"},
    {N253,                        true,  true,  true,  true,  NULL},
    {N253 ".",                    false, true,  false, false, "trailing dot"},
    {N253 "a",                    false, false, false, false, "longer than 253"},
    {"2026.mail",                 true,  true,  true,  true,  NULL},
    {"sel-1.sub",                 true,  true,  true,  true,  NULL},
    {"../x",                      false, false, false, false, "empty label"},
    {"a/b",                       false, false, false, false, "only letters"},
    {"x\".net",                   false, false, false, false, "only letters"},
};

static void every_rule_set_judges_each_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const name_case *c = &cases[i];
        const char *why = NULL;
        int rc = dname_check(c->name, DNAME_HOST, &why);

        if ((rc == 0) != c->host)
            fail_msg("%s: host: got %d (%s)", c->name, rc, why ? why : "");
        if (c->why != NULL && (why == NULL || strstr(why, c->why) == NULL))
            fail_msg("%s: host: reason \"%s\", want \"%s\"", c->name, why ? why : "", c->why);
        if (dname_valid(c->name, DNAME_MATCH) != c->match)
            fail_msg("%s: match: want %d", c->name, c->match);
        if (dname_valid(c->name, DNAME_SIGNING) != c->signing)
            fail_msg("%s: signing: want %d", c->name, c->signing);
        if (dname_valid(c->name, DNAME_SELECTOR) != c->selector)
            fail_msg("%s: selector: want %d", c->name, c->selector);
    }
}

/* The item checks of config schemas are the same rules. */
static void item_checks_are_the_rule_sets(void **state)
{
    const char *why;

    (void)state;
    assert_int_equal(dname_check_host("example.net.", &why), -1);
    assert_int_equal(dname_check_match("example.net.", &why), 0);
    assert_int_equal(dname_check_signing("net", &why), -1);
    assert_non_null(strstr(why, "one label only"));
    assert_int_equal(dname_check_selector("a_b", &why), -1);
    assert_int_equal(dname_check(NULL, DNAME_MATCH, &why), -1);
}

/* A key's DNS name: selector and domain rules, and their total length. */
static void dkim_key_names(void **state)
{
    const char *why;

    (void)state;
    assert_int_equal(dname_check_dkim_key("202611", "example.net", &why), 0);
    assert_int_equal(dname_check_dkim_key("2026.11", "example.net", &why), 0);
    assert_int_equal(dname_check_dkim_key("sel_1", "example.net", &why), -1);
    assert_non_null(strstr(why, "selector"));
    assert_int_equal(dname_check_dkim_key("s", "net", &why), -1);
    assert_non_null(strstr(why, "one label only"));
    /* 12 + 12 ("._domainkey.") + 229 = 253 fits, one more does not. */
    assert_int_equal(dname_check_dkim_key("aaaaaaaaaaaa", L63 "." L63 "." L63 "." "a.bb" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &why), 0);
    assert_int_equal(dname_check_dkim_key("aaaaaaaaaaaaa", L63 "." L63 "." L63 "." "a.bb" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &why), -1);
    assert_non_null(strstr(why, "longer than 253"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_rule_set_judges_each_name),
        cmocka_unit_test(item_checks_are_the_rule_sets),
        cmocka_unit_test(dkim_key_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
