/* test_addr.c - unit tests of lib/addr: the RFC 5322 address-list parser,
 * the envelope address parser and the From-domain helper. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mail/addr.h"
#include "core/mem.h"
#include "core/str.h"

/*
 * Renders a parsed list from its spans, entries separated by " | ":
 * ["display"]local[@domain] then flags: !a angle, !g{group} in group, !r
 * route, !n null, !l domain literal.
 */
static void render_entry(const char *v, const addr_entry *e, str_t *s)
{
    if (e->display.len > 0)
        str_printf(s, "[%.*s]", (int)e->display.len, v + e->display.off);
    str_append(s, v + e->local.off, e->local.len);
    if (e->has_domain)
        str_printf(s, "@%.*s", (int)e->domain.len, v + e->domain.off);
    if (e->angle)
        str_append_cstr(s, "!a");
    if (e->in_group)
        str_printf(s, "!g{%.*s}", (int)e->group.len, v + e->group.off);
    if (e->route.len > 0)
        str_printf(s, "!r{%.*s}", (int)e->route.len, v + e->route.off);
    if (e->is_null)
        str_append_cstr(s, "!n");
    if (e->domain_literal)
        str_append_cstr(s, "!l");
}

static void render(const char *v, const addr_list *l, str_t *s)
{
    str_clear(s);
    for (size_t i = 0; i < l->n; i++) {
        if (i > 0)
            str_append_cstr(s, " | ");
        render_entry(v, &l->v[i], s);
    }
}

/* Copies v to an exact-size heap buffer, so ASan sees any read past len. */
static char *exact_copy(const char *v, size_t len)
{
    return mem_dup(v, len == 0 ? 1 : len);
}

typedef struct list_case {
    const char *name;
    const char *in;
    const char *want;   /* rendering, or NULL for an error */
    const char *reason; /* expected error reason (substring) */
    size_t groups;
} list_case;

static const list_case list_cases[] = {
    {"plain addr-spec", "john@example.net", "john@example.net", NULL, 0},
    {"two addresses", "a@x.org, b@y.org", "a@x.org | b@y.org", NULL, 0},
    {"angle without name", "<a@x.org>", "a@x.org!a", NULL, 0},
    {"display name atoms", "John Doe <john@x.org>", "[John Doe]john@x.org!a", NULL, 0},
    {"quoted display name with comma",
     "\"Doe, J.\" <john@pc1.home.example.net> (home), root@pc1.home.example.net",
     "[\"Doe, J.\"]john@pc1.home.example.net!a | root@pc1.home.example.net", NULL, 0},
    {"quoted string with escapes", "\"a \\\"b\\\" \\\\c\" <q@x.org>",
     "[\"a \\\"b\\\" \\\\c\"]q@x.org!a", NULL, 0},
    {"quoted local part", "\"john doe\"@x.org", "\"john doe\"@x.org", NULL, 0},
    {"quoted local with at sign", "\"a@b\"@x.org", "\"a@b\"@x.org", NULL, 0},
    {"comment before and after", "(c1) john@x.org (c2)", "john@x.org", NULL, 0},
    {"nested comments", "john@x.org (a (b (c)) d)", "john@x.org", NULL, 0},
    {"comment with escaped paren", "john@x.org (a \\) b)", "john@x.org", NULL, 0},
    {"comment in old local part", "john (x) . doe@x.org", "john (x) . doe@x.org", NULL, 0},
    {"comment in old domain", "john@pc1 (h) . x.org", "john@pc1 (h) . x.org", NULL, 0},
    {"empty group", "undisclosed-recipients:;", "", NULL, 1},
    {"group with members", "team: a@b.org, c@d.org;", "a@b.org!g{team} | c@d.org!g{team}", NULL, 1},
    {"group then mailbox", "team: a@b.org; , x@y.org", "a@b.org!g{team} | x@y.org", NULL, 1},
    {"two groups", "g1:a@b;g2:;", "a@b!g{g1}", NULL, 2},
    {"obsolete route", "<@r1.org,@r2.org:user@dom.org>", "user@dom.org!a!r{@r1.org,@r2.org:}", NULL,
     0},
    {"obsolete route with empty elements", "Joe <,@r1.org,,@r2.org:u@d.org>",
     "[Joe]u@d.org!a!r{,@r1.org,,@r2.org:}", NULL, 0},
    {"folded with LF", "a@x.org,\n\tb@y.org", "a@x.org | b@y.org", NULL, 0},
    {"folded with CRLF", "John\r\n Doe <a@x.org>", "[John\r\n Doe]a@x.org!a", NULL, 0},
    {"encoded word display name", "=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@x.org>",
     "[=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?=]jm@x.org!a", NULL, 0},
    {"encoded word with dot", "=?utf-8?q?J._Doe?= <jd@x.org>", "[=?utf-8?q?J._Doe?=]jd@x.org!a",
     NULL, 0},
    {"UTF-8 address", "J\xc3\xbcrgen <j\xc3\xbcrgen@m\xc3\xbcller.example>",
     "[J\xc3\xbcrgen]j\xc3\xbcrgen@m\xc3\xbcller.example!a", NULL, 0},
    {"domain literal", "u@[192.0.2.1]", "u@[192.0.2.1]!l", NULL, 0},
    {"IPv6 domain literal", "<u@[IPv6:2001:db8::1]>", "u@[IPv6:2001:db8::1]!a!l", NULL, 0},
    {"bare user", "root", "root", NULL, 0},
    {"bare users and comment", "root (admin), joe", "root | joe", NULL, 0},
    {"bare user in angle", "Admin <root>", "[Admin]root!a", NULL, 0},
    {"null address", "<>", "!a!n", NULL, 0},
    {"empty value", "", "", NULL, 0},
    {"whitespace only", " \t\r\n ", "", NULL, 0},
    {"empty list elements", "a@b.org,,, ,c@d.org,", "a@b.org | c@d.org", NULL, 0},
    {"dots in local part", "a..b.@x.org", "a..b.@x.org", NULL, 0},
    {"trailing dot domain", "u@x.org.", "u@x.org.", NULL, 0},
    {"obs phrase with dots", "J. R. Doe <j@x.org>", "[J. R. Doe]j@x.org!a", NULL, 0},
    {"special chars in atom", "a+b!#$%&'*/=?^_`{|}~-c@x.org", "a+b!#$%&'*/=?^_`{|}~-c@x.org", NULL,
     0},
    {"display name only quoted", "\"\" <a@x.org>", "[\"\"]a@x.org!a", NULL, 0},
    /* malformed */
    {"unbalanced quote", "\"Doe <a@x.org>", NULL, "unbalanced quote", 0},
    {"unbalanced comment", "a@x.org (oops", NULL, "unbalanced comment", 0},
    {"stray close paren", "a@x.org )", NULL, "unbalanced comment", 0},
    {"unbalanced angle", "Joe <a@x.org", NULL, "unbalanced angle", 0},
    {"stray close angle", "a@x.org>", NULL, "angle", 0},
    {"unbalanced bracket", "u@[1.2.3.4", NULL, "unbalanced bracket", 0},
    {"stray close bracket", "u@x.org]", NULL, "unbalanced bracket", 0},
    {"missing domain", "a@", NULL, "missing domain", 0},
    {"missing local part", "@x.org", NULL, "unexpected", 0},
    {"empty domain label", "a@x..org", NULL, "empty domain label", 0},
    {"phrase without address", "John Doe", NULL, "display name without address", 0},
    {"spaces in local part", "John Doe@x.org", NULL, "invalid local part", 0},
    {"nested group", "a: b: c@d;;", NULL, "nested group", 0},
    {"unterminated group", "a: b@c.org", NULL, "unterminated group", 0},
    {"semicolon outside group", "a@b.org;", NULL, "outside a group", 0},
    {"group without name", ": a@b.org;", NULL, "unexpected", 0},
    {"line break without fold", "a@x.org,\nb@y.org", NULL, "line break", 0},
    {"control character", "a\x01@x.org", NULL, "invalid character", 0},
    {"backslash outside quotes", "a\\b@x.org", NULL, "backslash", 0},
    {"two addresses without comma", "a@x.org b@y.org", NULL, "expected ','", 0},
    {"garbage after angle", "<a@x.org> junk", NULL, "expected ','", 0},
    {"invalid route", "<@r1.org user@d.org>", NULL, "invalid route", 0},
    {"open bracket in literal", "u@[1[2]", NULL, "unbalanced bracket", 0},
    {"backslash at end of quote", "\"abc\\", NULL, "unbalanced quote", 0},
};

static void check_list_case(const list_case *c)
{
    size_t len = strlen(c->in);
    char *v = exact_copy(c->in, len);
    addr_list l;
    const char *err = NULL;
    str_t s;
    int r;

    addr_list_init(&l);
    str_init(&s);
    r = addr_parse_list(v, len, &l, &err);
    if (c->want != NULL) {
        if (r != 0)
            fail_msg("%s: unexpected error %s", c->name, err);
        render(v, &l, &s);
        if (strcmp(s.buf, c->want) != 0)
            fail_msg("%s: got '%s' want '%s'", c->name, s.buf, c->want);
        assert_int_equal(l.groups, c->groups);
    } else {
        if (r != -1)
            fail_msg("%s: parsed, expected error '%s'", c->name, c->reason);
        assert_int_equal(l.n, 0);
        assert_non_null(err);
        if (strstr(err, c->reason) == NULL)
            fail_msg("%s: reason '%s' does not contain '%s'", c->name, err, c->reason);
    }
    str_free(&s);
    addr_list_free(&l);
    mem_free(&v);
}

static void list_case_test(void **state)
{
    check_list_case(*state);
}

#define NLIST (sizeof list_cases / sizeof list_cases[0])

/* Every prefix of every table input, in an exact-size buffer: no read past
 * the end (ASan/valgrind), and every span inside the prefix. */
static void every_prefix_stays_inside(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof list_cases / sizeof list_cases[0]; i++) {
        size_t full = strlen(list_cases[i].in);
        for (size_t k = 0; k <= full; k++) {
            char *v = exact_copy(list_cases[i].in, k);
            addr_list l;
            const char *err;

            addr_list_init(&l);
            if (addr_parse_list(v, k, &l, &err) == 0) {
                for (size_t j = 0; j < l.n; j++) {
                    assert_true(l.v[j].addr_spec.off + l.v[j].addr_spec.len <= k);
                    assert_true(l.v[j].domain.off + l.v[j].domain.len <= k);
                    assert_true(l.v[j].display.off + l.v[j].display.len <= k);
                }
            }
            addr_list_free(&l);
            mem_free(&v);
        }
    }
}

typedef struct nul_case {
    const char *name;
    const char *in;
    size_t len;
} nul_case;

static void nul_bytes_are_malformed(void **state)
{
    static const nul_case cases[] = {
        {"NUL in local part", "a\0b@x.org", 9}, {"NUL in quoted string", "\"a\0\"@x.org", 10},
        {"NUL in comment", "a@x.org (\0)", 11}, {"NUL in domain literal", "a@[1\0]", 6},
        {"NUL after address", "a@x.org\0", 8},  {"NUL escaped in quote", "\"\\\0\"@x", 6},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        addr_list l;
        const char *err = NULL;
        addr_entry e;

        addr_list_init(&l);
        if (addr_parse_list(cases[i].in, cases[i].len, &l, &err) != -1)
            fail_msg("%s: accepted", cases[i].name);
        assert_string_equal(err, "NUL byte");
        assert_int_equal(l.n, 0);
        assert_int_equal(addr_parse_envelope(cases[i].in, cases[i].len, &e, &err), -1);
        addr_list_free(&l);
    }
}

/* Not NUL-terminated: the byte after len must not be looked at. */
static void length_is_respected(void **state)
{
    const char *v = "a@x.org, b@y.org";
    addr_list l;
    const char *err;

    (void)state;
    addr_list_init(&l);
    assert_int_equal(addr_parse_list(v, 7, &l, &err), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].domain.len, 5);
    /* a prefix cut inside a quoted string is malformed, not over-read */
    assert_int_equal(addr_parse_list("\"ab\"@x", 3, &l, &err), -1);
    assert_string_equal(err, "unbalanced quote");
    addr_list_free(&l);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* 10,000 addresses: all found, each offset checked, in well under a second. */
static void ten_thousand_addresses(void **state)
{
    str_t v;
    addr_list l;
    const char *err;
    struct timespec t0;
    size_t *offs = mem_array(10000, sizeof *offs);

    (void)state;
    str_init(&v);
    for (size_t i = 0; i < 10000; i++) {
        if (i > 0)
            str_append_cstr(&v, ",\n\t");
        str_printf(&v, "\"User %zu\" <u%zu@", i, i);
        offs[i] = v.len;
        str_printf(&v, "h%zu.example.net> (c)", i);
    }
    addr_list_init(&l);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(addr_parse_list(v.buf, v.len, &l, &err), 0);
    assert_true(seconds_since(&t0) < 1.0);
    assert_int_equal(l.n, 10000);
    for (size_t i = 0; i < 10000; i++) {
        char want[64];
        int n = snprintf(want, sizeof want, "h%zu.example.net", i);

        assert_int_equal(l.v[i].domain.off, offs[i]);
        assert_int_equal(l.v[i].domain.len, (size_t)n);
        assert_memory_equal(v.buf + offs[i], want, (size_t)n);
    }
    addr_list_free(&l);
    str_free(&v);
    mem_free(&offs);
}

/* A 1 MB header: long comment and long display name; linear time. */
static void one_megabyte_header(void **state)
{
    str_t v;
    addr_list l;
    const char *err;
    struct timespec t0;

    (void)state;
    str_init(&v);
    str_append_cstr(&v, "\"");
    for (size_t i = 0; i < 256 * 1024; i++)
        str_append_cstr(&v, "ab\\\"");
    str_append_cstr(&v, "\" <x@y.org> (");
    for (size_t i = 0; i < 256 * 1024; i++)
        str_append_cstr(&v, "(c)\n ");
    str_append_cstr(&v, ")");
    assert_true(v.len > 1024 * 1024);
    addr_list_init(&l);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(addr_parse_list(v.buf, v.len, &l, &err), 0);
    assert_true(seconds_since(&t0) < 1.0);
    assert_int_equal(l.n, 1);
    assert_memory_equal(v.buf + l.v[0].domain.off, "y.org", 5);
    /* deeply nested comments are a counter, not recursion */
    str_clear(&v);
    str_append_cstr(&v, "a@b ");
    for (size_t i = 0; i < 512 * 1024; i++)
        str_append_char(&v, '(');
    for (size_t i = 0; i < 512 * 1024; i++)
        str_append_char(&v, ')');
    assert_int_equal(addr_parse_list(v.buf, v.len, &l, &err), 0);
    str_truncate(&v, v.len - 1);
    assert_int_equal(addr_parse_list(v.buf, v.len, &l, &err), -1);
    assert_string_equal(err, "unbalanced comment");
    addr_list_free(&l);
    str_free(&v);
}

/* Past ADDR_MAX_ADDRESSES the whole list is an error, not truncated. */
static void address_cap_is_an_error(void **state)
{
    str_t v;
    addr_list l;
    const char *err;

    (void)state;
    str_init(&v);
    for (size_t i = 0; i <= ADDR_MAX_ADDRESSES; i++)
        str_append_cstr(&v, "a,");
    addr_list_init(&l);
    assert_int_equal(addr_parse_list(v.buf, v.len, &l, &err), -1);
    assert_string_equal(err, "too many addresses");
    assert_int_equal(l.n, 0);
    str_truncate(&v, v.len - 2);
    assert_int_equal(addr_parse_list(v.buf, v.len, &l, &err), 0);
    assert_int_equal(l.n, ADDR_MAX_ADDRESSES);
    addr_list_free(&l);
    str_free(&v);
}

typedef struct env_case {
    const char *name;
    const char *in;
    const char *want; /* rendering or NULL */
} env_case;

static void envelope_table(void **state)
{
    static const env_case cases[] = {
        {"angle", "<user@dom.org>", "user@dom.org!a"},
        {"null sender", "<>", "!a!n"},
        {"no brackets", "user@dom.org", "user@dom.org"},
        {"bare postmaster", "<postmaster>", "postmaster!a"},
        {"route", "<@r.org:user@dom.org>", "user@dom.org!a!r{@r.org:}"},
        {"quoted local with space", "<\"a b\"@dom.org>", "\"a b\"@dom.org!a"},
        {"outer spaces", "  <u@d.org> ", "u@d.org!a"},
        {"domain literal", "<u@[192.0.2.1]>", "u@[192.0.2.1]!a!l"},
        {"UTF-8", "<j\xc3\xbc@m\xc3\xbc.example>", "j\xc3\xbc@m\xc3\xbc.example!a"},
        {"empty", "", NULL},
        {"spaces only", "  ", NULL},
        {"comment", "<u@d.org> (x)", NULL},
        {"display name", "Joe <u@d.org>", NULL},
        {"two addresses", "<a@b>,<c@d>", NULL},
        {"unclosed", "<u@d.org", NULL},
        {"group", "g:;", NULL},
        {"space inside", "<u @d.org>", NULL},
        {"missing domain", "<u@>", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].in);
        char *v = exact_copy(cases[i].in, len);
        addr_entry e;
        const char *err = NULL;
        int r = addr_parse_envelope(v, len, &e, &err);
        str_t s;

        if (cases[i].want == NULL) {
            if (r != -1)
                fail_msg("%s: accepted", cases[i].name);
            assert_non_null(err);
        } else {
            if (r != 0)
                fail_msg("%s: %s", cases[i].name, err);
            str_init(&s);
            render_entry(v, &e, &s);
            if (strcmp(s.buf, cases[i].want) != 0)
                fail_msg("%s: got '%s' want '%s'", cases[i].name, s.buf, cases[i].want);
            str_free(&s);
        }
        mem_free(&v);
    }
}

typedef struct from_case {
    const char *in;
    const char *want; /* domain, or NULL */
    const char *reason;
} from_case;

static void from_domain_table(void **state)
{
    static const from_case cases[] = {
        {"Joe <joe@Example.NET>", "Example.NET", NULL},
        {"joe@example.net (Joe)", "example.net", NULL},
        {"\"a@evil.org\" <joe@example.net>", "example.net", NULL},
        {"a@x.org, b@y.org", NULL, "more than one mailbox"},
        {"", NULL, "no mailbox"},
        {"team: a@x.org;", NULL, "group"},
        {"joe", NULL, "no domain"},
        {"<>", NULL, "no domain"},
        {"joe@[192.0.2.1]", NULL, "domain literal"},
        {"joe@x.org (", NULL, "unbalanced comment"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        addr_span d = {0, 0};
        const char *err = NULL;
        int r = addr_from_domain(cases[i].in, strlen(cases[i].in), &d, &err);

        if (cases[i].want != NULL) {
            if (r != 0)
                fail_msg("%s: %s", cases[i].in, err);
            assert_int_equal(d.len, strlen(cases[i].want));
            assert_memory_equal(cases[i].in + d.off, cases[i].want, d.len);
        } else {
            if (r != -1)
                fail_msg("%s: accepted", cases[i].in);
            if (strstr(err, cases[i].reason) == NULL)
                fail_msg("%s: reason %s", cases[i].in, err);
        }
    }
}

static void copy_strips_cfws(void **state)
{
    const char *v = "john (x) . \"d oe\" @ pc1 (h)\n . x.org";
    addr_list l;
    const char *err;
    str_t s;

    (void)state;
    addr_list_init(&l);
    str_init(&s);
    assert_int_equal(addr_parse_list(v, strlen(v), &l, &err), 0);
    assert_int_equal(l.n, 1);
    addr_copy_local(v, &l.v[0], &s);
    assert_string_equal(s.buf, "john.\"d oe\"");
    str_clear(&s);
    addr_copy_domain(v, &l.v[0], &s);
    assert_string_equal(s.buf, "pc1.x.org");
    str_free(&s);
    addr_list_free(&l);
}

int main(void)
{
    struct CMUnitTest tests[NLIST + 9] = {
        cmocka_unit_test(every_prefix_stays_inside),
        cmocka_unit_test(nul_bytes_are_malformed),
        cmocka_unit_test(length_is_respected),
        cmocka_unit_test(ten_thousand_addresses),
        cmocka_unit_test(one_megabyte_header),
        cmocka_unit_test(address_cap_is_an_error),
        cmocka_unit_test(envelope_table),
        cmocka_unit_test(from_domain_table),
        cmocka_unit_test(copy_strips_cfws),
    };
    /* one named test per address-list table row, after the nine above */
    for (size_t i = 0; i < NLIST; i++) {
        tests[9 + i].name = list_cases[i].name;
        tests[9 + i].test_func = list_case_test;
        tests[9 + i].initial_state = (void *)&list_cases[i];
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
