/* test_masquerade.c - unit tests of lib/masquerade: sendmail's masquerading
 * semantics over header values and envelope addresses, byte preservation,
 * genericstable, errors, idempotence. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <string.h>

#include "mail/masquerade.h"
#include "core/mem.h"
#include "core/str.h"

/* clang-format off */
#define NAMES(a) {(a), sizeof(a) / sizeof((a)[0])}
/* clang-format on */

static char *const home[] = {"home.example.net"};
static char *const root[] = {"root"};
static char *const mailhost[] = {"mail.example.net"};
static char *const pc1[] = {"pc1.home.example.net", "[192.0.2.1]"};
static char *const dmz[] = {"dmz.home.example.net"};
static char *const pc1_only[] = {"pc1.home.example.net"};

/* A genericstable held in a table. */
typedef struct gen_entry {
    const char *key, *value;
    masquerade_lookup res;
} gen_entry;

static const gen_entry gen_table[] = {
    {"john@pc1.home.example.net", "John.Doe@example.org", MASQUERADE_FOUND},
    {"jane+*@pc1.home.example.net", "jane-%1@example.org", MASQUERADE_FOUND},
    {"@pc2.home.example.net", "%1@legacy.example.org", MASQUERADE_FOUND},
    {"bob", "robert", MASQUERADE_FOUND},
    {"temp@pc1.home.example.net", NULL, MASQUERADE_TEMPFAIL},
    {"perm@pc1.home.example.net", NULL, MASQUERADE_PERMFAIL},
    {"bad@pc1.home.example.net", "not an <address", MASQUERADE_FOUND},
    {"carol@dmz.home.example.net", "carol@example.org", MASQUERADE_FOUND},
    {"dave@mail.example.net", "david@example.org", MASQUERADE_FOUND},
};

static masquerade_lookup gen_lookup(void *ctx, const char *key, str_t *value, const char **error_r)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof gen_table / sizeof gen_table[0]; i++) {
        if (strcmp(gen_table[i].key, key) != 0)
            continue;
        if (gen_table[i].value != NULL)
            str_append_cstr(value, gen_table[i].value);
        else
            *error_r = "map down";
        return gen_table[i].res;
    }
    return MASQUERADE_NOTFOUND;
}

enum rules_id {
    R_ACCEPT,
    R_NOENT,
    R_LIMITED,
    R_EXC,
    R_ADD,
    R_ADD_NOAS,
    R_NOAS,
    R_GEN,
    R_GENENT,
    R_N
};

static const masquerade_rules rules[R_N] = {
    /* the acceptance set */
    [R_ACCEPT] = {.as = "example.net",
                  .domains = NAMES(home),
                  .entire_domain = true,
                  .exposed_users = NAMES(root),
                  .local_hosts = NAMES(mailhost)},
    /* without entire_domain; pc1 is a local host name (class w) */
    [R_NOENT] = {.as = "example.net",
                 .domains = NAMES(home),
                 .local_hosts = NAMES(pc1),
                 .exposed_users = NAMES(root)},
    [R_LIMITED] = {.as = "example.net",
                   .domains = NAMES(home),
                   .local_hosts = NAMES(pc1),
                   .limited = true},
    [R_EXC] = {.as = "example.net",
               .domains = NAMES(home),
               .entire_domain = true,
               .exceptions = NAMES(dmz)},
    [R_ADD] = {.as = "example.net",
               .domains = NAMES(home),
               .entire_domain = true,
               .exposed_users = NAMES(root),
               .always_add_domain = true,
               .hostname = "mail.example.net"},
    [R_ADD_NOAS] = {.always_add_domain = true,
                    .hostname = "mail.example.net",
                    .domains = NAMES(home)},
    [R_NOAS] = {.domains = NAMES(home), .entire_domain = true, .local_hosts = NAMES(pc1)},
    [R_GEN] = {.as = "example.net",
               .domains = NAMES(home),
               .entire_domain = true,
               .exceptions = NAMES(dmz),
               .always_add_domain = true,
               .hostname = "mail.example.net",
               .generics = gen_lookup,
               .generics_domains = NAMES(pc1_only)},
    [R_GENENT] = {.as = "example.net",
                  .domains = NAMES(home),
                  .entire_domain = true,
                  .exceptions = NAMES(dmz),
                  .generics = gen_lookup,
                  .generics_domains = NAMES(home),
                  .generics_entire_domain = true},
};

typedef struct masq_case {
    const char *name;
    enum rules_id rules;
    bool envelope;
    const char *in;
    const char *want; /* NULL: same as in */
    int rc;
} masq_case;

#define H false
#define E true
#define OK MASQUERADE_OK

static const masq_case cases[] = {
    {"acceptance: masquerade john, expose root", R_ACCEPT, H,
     "\"Doe, J.\" <john@pc1.home.example.net> (home), root@pc1.home.example.net",
     "\"Doe, J.\" <john@example.net> (home), root@pc1.home.example.net", OK},
    {"entire domain: deep subdomain", R_ACCEPT, H, "x@a.b.home.example.net", "x@example.net", OK},
    {"entire domain: the domain itself", R_ACCEPT, H, "x@home.example.net", "x@example.net", OK},
    {"foreign domain untouched", R_ACCEPT, H, "x@other.org", NULL, OK},
    {"no label-boundary trick", R_ACCEPT, H, "x@evilhome.example.net", NULL, OK},
    {"domain case-insensitive", R_ACCEPT, H, "x@PC1.Home.Example.NET", "x@example.net", OK},
    {"trailing dot dropped", R_ACCEPT, H, "x@pc1.home.example.net.", "x@example.net", OK},
    {"exposed user case-insensitive", R_ACCEPT, H, "ROOT@pc1.home.example.net", NULL, OK},
    {"exposed user elsewhere untouched", R_ACCEPT, H, "root@other.org", NULL, OK},
    {"class w host masqueraded", R_ACCEPT, H, "x@mail.example.net", "x@example.net", OK},
    {"exact M: subdomain kept", R_NOENT, H, "x@pc2.home.example.net", NULL, OK},
    {"exact M: domain itself", R_NOENT, H, "x@home.example.net", "x@example.net", OK},
    {"class w masqueraded without entire", R_NOENT, H, "x@pc1.home.example.net", "x@example.net",
     OK},
    {"exposed user in class w", R_NOENT, H, "root@pc1.home.example.net", NULL, OK},
    {"domain literal in class w", R_NOENT, H, "x@[192.0.2.1]", "x@example.net", OK},
    {"limited: class w kept", R_LIMITED, H, "x@pc1.home.example.net", NULL, OK},
    {"limited: class M still", R_LIMITED, H, "x@home.example.net", "x@example.net", OK},
    {"exception: the name", R_EXC, H, "x@dmz.home.example.net", NULL, OK},
    {"exception: a subdomain", R_EXC, H, "x@a.dmz.home.example.net", NULL, OK},
    {"exception: sibling masqueraded", R_EXC, H, "x@notdmz.home.example.net", "x@example.net", OK},
    {"bare user kept without always_add_domain", R_ACCEPT, H, "joe, Joe <joe>", NULL, OK},
    {"always_add_domain: bare user", R_ADD, H, "joe", "joe@example.net", OK},
    {"always_add_domain: exposed gets hostname", R_ADD, H, "root", "root@mail.example.net", OK},
    {"always_add_domain: in angle with comment", R_ADD, H, "Joe <joe> (c)",
     "Joe <joe@example.net> (c)", OK},
    {"always_add_domain: before comment", R_ADD, H, "joe (Joe), ann",
     "joe@example.net (Joe), ann@example.net", OK},
    {"always_add_domain without as: hostname", R_ADD_NOAS, H, "joe", "joe@mail.example.net", OK},
    {"no as: nothing masqueraded", R_ADD_NOAS, H, "x@home.example.net", NULL, OK},
    {"no as, no always_add_domain", R_NOAS, H, "x@pc1.home.example.net, joe", NULL, OK},
    {"group members masqueraded", R_ACCEPT, H, "team: a@pc1.home.example.net, b@other.org;",
     "team: a@example.net, b@other.org;", OK},
    {"empty group untouched", R_ACCEPT, H, "undisclosed-recipients:;", NULL, OK},
    {"route kept, address masqueraded", R_ACCEPT, H, "<@relay.org,@r2.org:a@pc1.home.example.net>",
     "<@relay.org,@r2.org:a@example.net>", OK},
    {"route kept, exposed user kept", R_ACCEPT, H, "<@relay.org:root@home.example.net>", NULL, OK},
    {"null address untouched", R_ACCEPT, H, "<>", NULL, OK},
    {"folding and comments kept", R_ACCEPT, H,
     "a@pc1.home.example.net (c1),\n\t\"B (x)\" <b@pc2.home.example.net>\r\n (c2)",
     "a@example.net (c1),\n\t\"B (x)\" <b@example.net>\r\n (c2)", OK},
    {"obsolete domain with comment", R_ACCEPT, H, "a@pc1 (x) . home.example.net (y)",
     "a@example.net (y)", OK},
    {"encoded word display name kept", R_ACCEPT, H,
     "=?UTF-8?B?SsO8cmdlbg==?= <j@pc1.home.example.net>",
     "=?UTF-8?B?SsO8cmdlbg==?= <j@example.net>", OK},
    {"UTF-8 address", R_ACCEPT, H, "J\xc3\xbc <j\xc3\xbc@pc1.home.example.net>",
     "J\xc3\xbc <j\xc3\xbc@example.net>", OK},
    {"quoted local part kept", R_ACCEPT, H, "\"john doe\"@pc1.home.example.net",
     "\"john doe\"@example.net", OK},
    {"already masqueraded", R_ACCEPT, H, "x@example.net", NULL, OK},
    {"empty value", R_ACCEPT, H, "", NULL, OK},
    {"malformed: unbalanced quote", R_ACCEPT, H, "\"Doe <a@pc1.home.example.net>", NULL,
     MASQUERADE_ERR_MALFORMED},
    {"malformed: unbalanced comment", R_ACCEPT, H, "a@pc1.home.example.net (x", NULL,
     MASQUERADE_ERR_MALFORMED},
    {"malformed: second address bad, first not rewritten", R_ACCEPT, H,
     "a@pc1.home.example.net, <b@pc1.home.example.net", NULL, MASQUERADE_ERR_MALFORMED},
    {"generics: full address", R_GEN, H, "john@pc1.home.example.net", "John.Doe@example.org", OK},
    {"generics: in angle, name kept", R_GEN, H, "John <john@pc1.home.example.net> (x)",
     "John <John.Doe@example.org> (x)", OK},
    {"generics: key lower-cased", R_GEN, H, "JOHN@PC1.home.example.net", "John.Doe@example.org",
     OK},
    {"generics: user+* with detail", R_GEN, H, "jane+lists@pc1.home.example.net",
     "jane-lists@example.org", OK},
    {"generics: bare value then masquerade", R_GEN, H, "bob@pc1.home.example.net",
     "robert@example.net", OK},
    {"generics: bare user, bare value", R_GEN, H, "bob", "robert@example.net", OK},
    {"generics: unqualified keyed with hostname", R_GEN, H, "dave", "david@example.org", OK},
    {"generics: not in class G, masquerade", R_GEN, H, "john@pc3.home.example.net",
     "john@example.net", OK},
    {"generics: @domain with %1", R_GENENT, H, "x@pc2.home.example.net", "x@legacy.example.org",
     OK},
    {"generics before exception (sendmail order)", R_GENENT, H, "carol@dmz.home.example.net",
     "carol@example.org", OK},
    {"generics: exception when no entry", R_GENENT, H, "zed@dmz.home.example.net", NULL, OK},
    {"generics: tempfail leaves header", R_GEN, H,
     "a@pc1.home.example.net, temp@pc1.home.example.net", NULL, MASQUERADE_ERR_TEMPFAIL},
    {"generics: permfail", R_GEN, H, "perm@pc1.home.example.net", NULL, MASQUERADE_ERR_PERMFAIL},
    {"generics: bad value", R_GEN, H, "bad@pc1.home.example.net", NULL, MASQUERADE_ERR_PERMFAIL},
    {"envelope: angle", R_ACCEPT, E, "<john@pc1.home.example.net>", "<john@example.net>", OK},
    {"envelope: null sender kept", R_ACCEPT, E, "<>", NULL, OK},
    {"envelope: without brackets", R_ACCEPT, E, "john@pc1.home.example.net", "john@example.net",
     OK},
    {"envelope: exposed root", R_ACCEPT, E, "<root@pc1.home.example.net>", NULL, OK},
    {"envelope: route kept, address masqueraded", R_ACCEPT, E, "<@r.org:a@pc1.home.example.net>",
     "<@r.org:a@example.net>", OK},
    {"envelope: foreign domain kept", R_ACCEPT, E, "<a@other.org>", NULL, OK},
    {"envelope: malformed", R_ACCEPT, E, "<a@pc1.home.example.net", NULL, MASQUERADE_ERR_MALFORMED},
    {"envelope: comment is malformed", R_ACCEPT, E, "<a@pc1.home.example.net> (x)", NULL,
     MASQUERADE_ERR_MALFORMED},
    {"envelope: generics", R_GEN, E, "<john@pc1.home.example.net>", "<John.Doe@example.org>", OK},
    {"envelope: bare postmaster", R_ADD, E, "<postmaster>", "<postmaster@example.net>", OK},
    {"envelope: NUL", R_ACCEPT, E, "<a\0@x>", NULL, MASQUERADE_ERR_MALFORMED},
};

static int run(const masq_case *c, const char *in, size_t len, str_t *out, bool *changed,
               const char **err)
{
    if (c->envelope)
        return masquerade_address(&rules[c->rules], in, len, out, changed, err);
    return masquerade_header(&rules[c->rules], in, len, out, changed, err);
}

static size_t case_len(const masq_case *c)
{
    /* the NUL case is the only one with an embedded NUL: take it whole */
    return strcmp(c->name, "envelope: NUL") == 0 ? 6 : strlen(c->in);
}

static void check_case(const masq_case *c)
{
    size_t len = case_len(c);
    const char *want = c->want != NULL ? c->want : c->in;
    size_t wlen = c->want != NULL ? strlen(c->want) : len;
    char *in = mem_dup(c->in, len == 0 ? 1 : len);
    const char *err = NULL;
    bool changed = true;
    str_t out;
    int rc;

    str_init(&out);
    rc = run(c, in, len, &out, &changed, &err);
    if (rc != c->rc)
        fail_msg("%s: rc %d (%s), want %d", c->name, rc, err ? err : "", c->rc);
    if (out.len != wlen || memcmp(out.buf, want, wlen) != 0)
        fail_msg("%s: got '%s' want '%s'", c->name, out.buf, want);
    if (rc != OK)
        assert_non_null(err);
    assert_int_equal(changed, c->want != NULL);
    str_free(&out);
    mem_free(&in);
}

static void masquerade_case(void **state)
{
    check_case(*state);
}

/* rewrite(rewrite(x)) == rewrite(x), and the second pass reports no change. */
static void rewrite_is_idempotent(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const masq_case *c = &cases[i];
        str_t once, twice;
        const char *err;
        bool changed;

        if (c->rc != OK)
            continue;
        str_init(&once);
        str_init(&twice);
        assert_int_equal(run(c, c->in, case_len(c), &once, NULL, &err), OK);
        assert_int_equal(run(c, once.buf, once.len, &twice, &changed, &err), OK);
        if (changed || once.len != twice.len || memcmp(once.buf, twice.buf, once.len) != 0)
            fail_msg("%s: not idempotent: '%s' -> '%s'", c->name, once.buf, twice.buf);
        str_free(&once);
        str_free(&twice);
    }
}

/* 10,000 addresses in one header: every one masqueraded, rest kept. */
static void many_addresses_rewritten(void **state)
{
    str_t in, want, out;
    const char *err;
    bool changed;

    (void)state;
    str_init(&in);
    str_init(&want);
    str_init(&out);
    for (size_t i = 0; i < 10000; i++) {
        const char *sep = i > 0 ? ",\r\n " : "";
        str_printf(&in, "%s\"U %zu\" <u%zu@pc%zu.home.example.net> (c%zu)", sep, i, i, i, i);
        str_printf(&want, "%s\"U %zu\" <u%zu@example.net> (c%zu)", sep, i, i, i);
    }
    assert_int_equal(masquerade_header(&rules[R_ACCEPT], in.buf, in.len, &out, &changed, &err), OK);
    assert_true(changed);
    assert_int_equal(out.len, want.len);
    assert_memory_equal(out.buf, want.buf, want.len);
    str_free(&in);
    str_free(&want);
    str_free(&out);
}

static void header_kinds(void **state)
{
    static const struct {
        const char *name;
        masquerade_hdr_kind kind;
    } kinds[] = {
        {"From", MASQUERADE_HDR_SENDER},
        {"sender", MASQUERADE_HDR_SENDER},
        {"Reply-To", MASQUERADE_HDR_SENDER},
        {"Resent-From", MASQUERADE_HDR_SENDER},
        {"Resent-Sender", MASQUERADE_HDR_SENDER},
        {"Resent-Reply-To", MASQUERADE_HDR_SENDER},
        {"ERRORS-TO", MASQUERADE_HDR_SENDER},
        {"Disposition-Notification-To", MASQUERADE_HDR_SENDER},
        {"To", MASQUERADE_HDR_RECIPIENT},
        {"cc", MASQUERADE_HDR_RECIPIENT},
        {"Bcc", MASQUERADE_HDR_RECIPIENT},
        {"Resent-To", MASQUERADE_HDR_RECIPIENT},
        {"Resent-Cc", MASQUERADE_HDR_RECIPIENT},
        {"Resent-Bcc", MASQUERADE_HDR_RECIPIENT},
        {"Apparently-To", MASQUERADE_HDR_RECIPIENT},
        {"Subject", MASQUERADE_HDR_OTHER},
        {"Return-Path", MASQUERADE_HDR_OTHER},
        {"From ", MASQUERADE_HDR_OTHER},
    };
    (void)state;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (masquerade_header_kind(kinds[i].name) != kinds[i].kind)
            fail_msg("%s: wrong kind", kinds[i].name);
    assert_string_equal(masquerade_sender_headers[0], "From");
    assert_null(masquerade_recipient_headers[7]);
}

static void rules_check_table(void **state)
{
    static char *const bad_name[] = {"a b.org"};
    static const struct {
        masquerade_rules r;
        const char *reason; /* NULL: valid */
    } checks[] = {
        {{.as = "example.net", .domains = NAMES(home)}, NULL},
        {{.as = "exa mple.net"}, "as"},
        {{.as = "example.net", .domains = NAMES(bad_name)}, "invalid name"},
        {{.as = "example.net", .exceptions = NAMES(bad_name)}, "exceptions"},
        {{.as = "example.net", .always_add_domain = true}, "always_add_domain"},
        {{.as = "example.net", .always_add_domain = true, .local_hosts = NAMES(pc1)}, NULL},
        {{.hostname = "bad host"}, "hostname"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        const char *err = NULL;
        int r = masquerade_rules_check(&checks[i].r, &err);

        if (checks[i].reason == NULL && r != 0)
            fail_msg("check %zu: %s", i, err);
        if (checks[i].reason != NULL && (r != -1 || strstr(err, checks[i].reason) == NULL))
            fail_msg("check %zu: rc %d err %s", i, r, err ? err : "");
    }
    for (int i = 0; i < R_N; i++) {
        const char *err;
        if (masquerade_rules_check(&rules[i], &err) != 0)
            fail_msg("test rules %d: %s", i, err);
    }
}

#define NCASES (sizeof cases / sizeof cases[0])

int main(void)
{
    struct CMUnitTest tests[NCASES + 5] = {
        cmocka_unit_test(rewrite_is_idempotent),
        cmocka_unit_test(many_addresses_rewritten),
        cmocka_unit_test(header_kinds),
        cmocka_unit_test(rules_check_table),
    };
    /* one named test per table row, after the five above */
    for (size_t i = 0; i < NCASES; i++) {
        tests[5 + i].name = cases[i].name;
        tests[5 + i].test_func = masquerade_case;
        tests[5 + i].initial_state = (void *)&cases[i];
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
