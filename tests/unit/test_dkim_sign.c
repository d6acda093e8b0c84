/*
 * test_dkim_sign.c - unit tests of milters/dkim/dkim_sign: the signing
 * decision for trusted mail (yes / no with a reason / unsignable / the
 * domains signed for), the header edits made by the masquerade rewrite,
 * the DKIM-Signature fields made (checked by libopendkim in this program,
 * with the key records of the test keys), and the body whose bare CRs and
 * LFs become CRLF, kept up to max_body_rewrite.  One line per case.
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
#include "dkim_sign.h"

#define MASQ                                                                                   \
    "masq: { as = \"example.net\"; domains = [\"home.example.net\"]; entire_domain = true;\n" \
    "  exposed_users = [\"root\"]; };"

/* ---- decisions ---- */

static const struct decision_case {
    const char *from;  /* From value; NULL: no From field */
    const char *from2; /* a second From field, or NULL */
    bool over_limits;
    dkim_sign_decision want;
    const char *detail; /* the domains signed for (YES), or text of the reason */
    const char *edit;   /* YES: the From value after our rewrite, or NULL for none */
} decision_cases[] = {
    {" a@example.net", NULL, false, DKIM_SIGN_YES, "example.net", NULL},
    {" Ann <a@example.net>, Bob <b@EXAMPLE.net.>", NULL, false, DKIM_SIGN_YES, "example.net", NULL},
    {" a@example.net, b@other.example", NULL, false, DKIM_SIGN_YES, "example.net,other.example",
     NULL},
    {" John <john@pc1.home.example.net>", NULL, false, DKIM_SIGN_YES, "example.net",
     " John <john@example.net>"},
    {" a@nokey.example", NULL, false, DKIM_SIGN_NO, "no key for nokey.example", NULL},
    {" root@pc1.home.example.net", NULL, false, DKIM_SIGN_NO,
     "no key for pc1.home.example.net (root is an exposed user: not masqueraded)", NULL},
    {" a@nokey.example, b@nokey2.example", NULL, false, DKIM_SIGN_NO,
     "no key for nokey.example, nokey2.example", NULL},
    {" a@example.net, c@nokey.example", NULL, false, DKIM_SIGN_UNSIGNABLE,
     "From has mailboxes of example.net (keys) and nokey.example (no key)", NULL},
    {" a@example.net", NULL, true, DKIM_SIGN_UNSIGNABLE, "header fields over the limits", NULL},
    {NULL, NULL, false, DKIM_SIGN_UNSIGNABLE, "no From field", NULL},
    {" a@example.net", " b@example.net", false, DKIM_SIGN_UNSIGNABLE, "2 From fields", NULL},
    {" team: a@example.net;", NULL, false, DKIM_SIGN_UNSIGNABLE, "a group in From", NULL},
    {" <>", NULL, false, DKIM_SIGN_UNSIGNABLE, "a From mailbox without a domain", NULL},
    {" a@[192.0.2.1]", NULL, false, DKIM_SIGN_UNSIGNABLE, "a domain literal in From", NULL},
    {" a@example.net <", NULL, false, DKIM_SIGN_UNSIGNABLE, "From: ", NULL},
    {" ", NULL, false, DKIM_SIGN_UNSIGNABLE, "no mailbox in From", NULL},
};

static size_t make_headers(const struct decision_case *t, hdrfield *h)
{
    size_t n = 0;

    if (t->from != NULL)
        h[n++] = (hdrfield){.name = "From", .value = (char *)t->from};
    h[n++] = (hdrfield){.name = "To", .value = " x@example.org"};
    h[n++] = (hdrfield){.name = "Subject", .value = " decisions"};
    if (t->from2 != NULL)
        h[n++] = (hdrfield){.name = "From", .value = (char *)t->from2};
    return n;
}

static void test_decisions(void **state)
{
    daemon_conf *c = fixture_load(NULL, MASQ);

    (void)state;
    for (size_t i = 0; i < sizeof decision_cases / sizeof decision_cases[0]; i++) {
        const struct decision_case *t = &decision_cases[i];
        hdrfield h[4];
        size_t n = make_headers(t, h), nedits;
        dkim_sign *g = NULL;
        str_t why, got;
        dkim_sign_decision d;

        str_init(&why);
        str_init(&got);
        d = dkim_sign_prepare(fixture_policy(c), h, n, t->over_limits, &g, &why);
        if (d == DKIM_SIGN_YES)
            dkim_sign_domains(g, &got);
        else
            str_append(&got, why.buf, why.len);
        if (d != t->want || strstr(got.buf, t->detail) == NULL)
            fail_msg("From:%s -> %s \"%s\", want %s \"%s\"", t->from ? t->from : "(none)",
                     dkim_sign_decision_name(d), got.buf, dkim_sign_decision_name(t->want),
                     t->detail);
        if (d == DKIM_SIGN_YES) {
            const dkim_sign_edit *e = dkim_sign_edits(g, &nedits);

            if (t->edit == NULL)
                assert_int_equal(nedits, 0);
            else if (nedits != 1 || strcmp(e[0].name, "From") != 0 || e[0].index != 1 ||
                     strcmp(e[0].new_value, t->edit) != 0)
                fail_msg("From:%s: want one edit to \"%s\"", t->from, t->edit);
        } else {
            assert_null(g);
        }
        dkim_sign_free(&g);
        str_free(&why);
        str_free(&got);
    }
    fixture_free(&c);
}

/* ---- the body: bare CR and LF made CRLF, kept for the replacement ---- */

static const struct body_case {
    const char *body;
    size_t len;
    long max_keep;    /* max_body_rewrite */
    dkim_sign_decision want;
    const char *fixed; /* the new body, or NULL when it stays */
} body_cases[] = {
    {"clean\r\n", 7, 1048576, DKIM_SIGN_YES, NULL},
    {"one\rtwo\r\n", 9, 1048576, DKIM_SIGN_YES, "one\r\ntwo\r\n"},
    {"one\ntwo\n", 8, 1048576, DKIM_SIGN_YES, "one\r\ntwo\r\n"},
    {"a\r\r\n", 4, 1048576, DKIM_SIGN_YES, "a\r\n\r\n"},
    {"end\r", 4, 1048576, DKIM_SIGN_YES, "end\r\n"},
    {"n\0l\r\n", 5, 1048576, DKIM_SIGN_YES, NULL},
    {"one\rtwo\r\n", 9, 0, DKIM_SIGN_UNSIGNABLE, NULL},
    {"one\rtwo\r\n", 9, 10, DKIM_SIGN_YES, "one\r\ntwo\r\n"},
    {"0123456789\r", 11, 10, DKIM_SIGN_UNSIGNABLE, NULL},
    {"0123456789abcdef\r\n", 18, 10, DKIM_SIGN_YES, NULL},
};

static void test_body(void **state)
{
    hdrfield h[] = {{.name = "From", .value = " a@example.net"},
                    {.name = "Subject", .value = " body"}};

    (void)state;
    for (size_t i = 0; i < sizeof body_cases / sizeof body_cases[0]; i++) {
        const struct body_case *t = &body_cases[i];
        char extra[64];
        daemon_conf *c;
        dkim_sign *g = NULL;
        str_t why, out;
        uint64_t fixes = 0;
        const str_t *nb;
        dkim_sign_decision d;

        snprintf(extra, sizeof extra, "max_body_rewrite = %ld;", t->max_keep);
        c = fixture_load(extra, NULL);
        str_init(&why);
        str_init(&out);
        assert_int_equal(dkim_sign_prepare(fixture_policy(c), h, 2, false, &g, &why),
                         DKIM_SIGN_YES);
        for (size_t k = 0; k < t->len; k++) /* byte by byte: every split */
            dkim_sign_body(g, t->body + k, 1);
        d = dkim_sign_finish(g, "QUNIT", &out, &why);
        if (d != t->want)
            fail_msg("body %zu: %s (%s), want %s", i, dkim_sign_decision_name(d), why.buf,
                     dkim_sign_decision_name(t->want));
        if (d == DKIM_SIGN_YES) {
            nb = dkim_sign_new_body(g, &fixes);
            if ((t->fixed == NULL) != (nb == NULL) ||
                (nb != NULL && (nb->len != strlen(t->fixed) ||
                                memcmp(nb->buf, t->fixed, nb->len) != 0)))
                fail_msg("body %zu: new body \"%s\", want \"%s\"", i, nb ? nb->buf : "(none)",
                         t->fixed ? t->fixed : "(none)");
            assert_true((fixes == 0) == (t->fixed == NULL));
            assert_int_equal(strlen(out.buf) + 1 + strlen(out.buf + strlen(out.buf) + 1) + 1,
                             out.len); /* two signatures (RSA, Ed25519), NUL-separated */
        }
        dkim_sign_free(&g);
        fixture_free(&c);
        str_free(&why);
        str_free(&out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decisions),
        cmocka_unit_test(test_body),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
