/*
 * test_dkim_policy.c - unit tests of milters/dkim/dkim_policy: which keys
 * sign a From domain (exact, case and trailing dot ignored, parents with
 * sign_subdomains only), and the masquerade rewrite milterkit-dkim makes
 * before it signs (the masq section's rules, lib/mail/masquerade), one
 * line per case.  Configs are loaded as the daemon loads them
 * (dkim_fixture.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "dkim_fixture.h"
#include "dkim_policy.h"

#define MASQ                                                                                   \
    "masq: { as = \"example.net\"; domains = [\"home.example.net\"]; entire_domain = true;\n" \
    "  exposed_users = [\"root\"]; recipients = true; };"

/* ---- signer selection ---- */

static const struct signers_case {
    const char *domain;
    bool subdomains;  /* sign_subdomains */
    const char *want; /* "d/s d/s ...", "" for none */
} signers_cases[] = {
    {"example.net", false, "example.net/rsa1 example.net/ed1"},
    {"EXAMPLE.Net", false, "example.net/rsa1 example.net/ed1"},
    {"example.net.", false, "example.net/rsa1 example.net/ed1"},
    {"other.example", false, "other.example/o1"},
    {"lists.example.net", false, ""},
    {"lists.example.net", true, "example.net/rsa1 example.net/ed1"},
    {"a.b.other.example", true, "other.example/o1"},
    {"xexample.net", true, ""},
    {"net", true, ""},
    {"example.org", true, ""},
    {"", true, ""},
    {".", true, ""},
};

static void test_signers(void **state)
{
    daemon_conf *plain = fixture_load(NULL, NULL);
    daemon_conf *sub = fixture_load("sign_subdomains = true;", NULL);

    (void)state;
    for (size_t i = 0; i < sizeof signers_cases / sizeof signers_cases[0]; i++) {
        const struct signers_case *t = &signers_cases[i];
        const dkim_signer *out[DKIM_POLICY_MAX_SIGNERS];
        size_t n = dkim_policy_signers(fixture_policy(t->subdomains ? sub : plain), t->domain,
                                       strlen(t->domain), out);
        str_t got;

        str_init(&got);
        for (size_t k = 0; k < n; k++)
            str_printf(&got, "%s%s/%s", k ? " " : "", out[k]->domain, out[k]->selector);
        if (strcmp(got.buf, t->want) != 0)
            fail_msg("signers of \"%s\" (subdomains %d): got \"%s\", want \"%s\"", t->domain,
                     t->subdomains, got.buf, t->want);
        str_free(&got);
    }
    fixture_free(&plain);
    fixture_free(&sub);
}

/* ---- the masquerade rewrite before signing ---- */

static const struct masq_case {
    const char *name, *value;
    int rc;           /* dkim_policy_masquerade(): 1 changed, 0 not, -1 failed */
    const char *want; /* the new value when rc == 1 */
} masq_cases[] = {
    {"From", " John <john@pc1.home.example.net>", 1, " John <john@example.net>"},
    {"from", " john@home.example.net", 1, " john@example.net"},
    {"Sender", " a@pc1.home.example.net", 1, " a@example.net"},
    {"Reply-To", " a@pc1.home.example.net, b@other.example", 1,
     " a@example.net, b@other.example"},
    {"To", " x@pc1.home.example.net", 1, " x@example.net"}, /* recipients = true */
    {"From", " John <john@example.net>", 0, NULL},          /* idempotent */
    {"From", " root@pc1.home.example.net", 0, NULL},        /* exposed user */
    {"From", " a@other.example", 0, NULL},
    {"From", " a@home.example.net.evil.example", 0, NULL},
    {"From", " not an <address", 0, NULL},                   /* malformed: left alone */
    {"Subject", " a@pc1.home.example.net", 0, NULL},         /* not an address header */
    {"X-Original-From", " a@pc1.home.example.net", 0, NULL},
};

static void test_masquerade(void **state)
{
    daemon_conf *c = fixture_load(NULL, MASQ);
    daemon_conf *off = fixture_load("masquerade_before_signing = false;", MASQ);
    daemon_conf *none = fixture_load(NULL, NULL);

    (void)state;
    assert_true(dkim_policy_masquerades(fixture_policy(c)));
    assert_false(dkim_policy_masquerades(fixture_policy(off)));
    assert_false(dkim_policy_masquerades(fixture_policy(none)));
    for (size_t i = 0; i < sizeof masq_cases / sizeof masq_cases[0]; i++) {
        const struct masq_case *t = &masq_cases[i];
        const char *why = NULL;
        str_t out;
        int rc;

        str_init(&out);
        rc = dkim_policy_masquerade(fixture_policy(c), t->name, t->value, &out, &why);
        if (rc != t->rc || (rc == 1 && strcmp(out.buf, t->want) != 0))
            fail_msg("%s:%s -> %d \"%s\", want %d \"%s\"", t->name, t->value, rc, out.buf, t->rc,
                     t->want ? t->want : "");
        if (rc == 1) { /* idempotent: the rewrite of the rewrite changes nothing */
            str_t again;

            str_init(&again);
            assert_int_equal(dkim_policy_masquerade(fixture_policy(c), t->name, out.buf,
                                                    &again, &why), 0);
            str_free(&again);
        }
        str_clear(&out);
        /* no masq section, or masquerade_before_signing off: never a rewrite */
        assert_int_equal(dkim_policy_masquerade(fixture_policy(none), t->name, t->value, &out,
                                                &why), 0);
        assert_int_equal(dkim_policy_masquerade(fixture_policy(off), t->name, t->value, &out,
                                                &why), 0);
        str_free(&out);
    }
    fixture_free(&c);
    fixture_free(&off);
    fixture_free(&none);
}

static const struct exposed_case {
    const char *local;
    bool want;
} exposed_cases[] = {
    {"root", true}, {"ROOT", true}, {"roo", false}, {"rooted", false}, {"john", false},
};

static void test_exposed(void **state)
{
    daemon_conf *c = fixture_load(NULL, MASQ);
    daemon_conf *none = fixture_load(NULL, NULL);

    (void)state;
    for (size_t i = 0; i < sizeof exposed_cases / sizeof exposed_cases[0]; i++) {
        const struct exposed_case *t = &exposed_cases[i];

        if (dkim_policy_exposed_user(fixture_policy(c), t->local, strlen(t->local)) != t->want)
            fail_msg("exposed user \"%s\": want %d", t->local, t->want);
        assert_false(dkim_policy_exposed_user(fixture_policy(none), t->local, strlen(t->local)));
    }
    fixture_free(&c);
    fixture_free(&none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signers),
        cmocka_unit_test(test_masquerade),
        cmocka_unit_test(test_exposed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
