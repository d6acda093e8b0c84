/* test_cfg.c - unit tests of lib/core/cfg and lib/milter/site: schema,
 * defaults, enums, errors with FILE:LINE, key and value, did-you-mean,
 * syntax errors explained, section checks without cascades, every error
 * collected. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/cfghint.h"
#include "core/dname.h"
#include "milter/site.h"

typedef struct part {
    daemon_settings daemon;
    char *as;
    bool flag;
    long count;
    cfg_strlist names;
} part;

static const cfg_field part_fields[] = {
    DAEMON_SETTINGS_FIELDS(part, daemon, "unix:/run/milterkit/test.sock"),
    CFG_FIELD(part, as, "as", CFG_STRING, "example.net"),
    CFG_FIELD(part, flag, "flag", CFG_BOOL, "true"),
    {.name = "count", .type = CFG_INT, .offset = offsetof(part, count), .def = "5", .min = 1,
     .max = 10},
    {.name = "names", .type = CFG_STRLIST, .offset = offsetof(part, names), .def = "a,b",
     .max = 3},
};

static const cfg_schema part_schema = {
    .size = sizeof(part), .fields = part_fields,
    .nfields = sizeof part_fields / sizeof part_fields[0],
};

static char path[64];

static void write_conf(const char *text)
{
    FILE *f;
    int fd;

    strcpy(path, "/tmp/test_cfg.XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Loads text; returns the rc, leaves errors in *errors. */
static int load(const char *text, site_settings *site, part *p, str_t *errors)
{
    int rc;

    write_conf(text);
    str_init(errors);
    rc = site_load(path, site, "test", &part_schema, p, errors);
    unlink(path);
    return rc;
}

static void defaults_fill_unset_keys(void **state)
{
    site_settings site;
    part p;
    str_t e;

    assert_int_equal(load("site: { domain = \"example.net\"; hostname = \"mx.example.net\"; };\n",
                          &site, &p, &e), 0);
    assert_string_equal(p.as, "example.net");
    assert_true(p.flag);
    assert_int_equal(p.count, 5);
    assert_int_equal(p.names.count, 2);
    assert_string_equal(p.names.items[1], "b");
    assert_string_equal(p.daemon.socket, "unix:/run/milterkit/test.sock");
    assert_int_equal(p.daemon.on_error, SITE_TEMPFAIL);
    assert_string_equal(site.authserv_id, "mx.example.net");
    assert_string_equal(site.user, "milterkit");
    assert_int_equal(site.dns.timeout, 5);
    assert_int_equal(site.internal.count, 2);
    site_free(&site);
    cfg_free(&part_schema, &p);
    str_free(&e);
}

static void values_override_defaults(void **state)
{
    site_settings site;
    part p;
    str_t e;

    assert_int_equal(load("site: { domain = \"example.net\"; hostname = \"h.example.net\";\n"
                          "  internal_networks = [\"192.168.0.0/16\"]; dns = { timeout = 2; servers = [\"127.0.0.1@5353\"]; }; };\n"
                          "test: { as = \"example.org\"; flag = false; count = 10; names = [\"x\"];\n"
                          "  socket = \"inet:8891@127.0.0.1\"; on_error = \"reject\"; };\n"
                          "masq: { anything = 1; };\n",
                          &site, &p, &e), 0);
    assert_string_equal(p.as, "example.org");
    assert_false(p.flag);
    assert_int_equal(p.count, 10);
    assert_int_equal(p.names.count, 1);
    assert_string_equal(p.daemon.socket, "inet:8891@127.0.0.1");
    assert_int_equal(p.daemon.on_error, SITE_REJECT);
    assert_string_equal(site_action_name(p.daemon.on_error), "reject");
    assert_int_equal(site.dns.timeout, 2);
    assert_string_equal(site.dns.servers.items[0], "127.0.0.1@5353");
    assert_int_equal(site.internal.count, 1);
    site_free(&site);
    cfg_free(&part_schema, &p);
    str_free(&e);
}

typedef struct {
    const char *text;
    const char *expect; /* substring of the errors, after the file name */
} error_case;

#define SITE "site: { domain = \"example.net\"; };\n"
static const error_case error_cases[] = {
    {SITE "test: { domians = 1; };\n", ":2: test.domians: unknown key"},
    {SITE "test: {\n flag = 1; };\n", ":3: test.flag: must be true or false"},
    {SITE "test: { count = 11; };\n", ":2: test.count: 11 is out of range (1 to 10)"},
    {SITE "test: { count = \"5\"; };\n", ":2: test.count: must be an integer"},
    {SITE "test: { as = 5; };\n", ":2: test.as: must be a string"},
    {SITE "test: { names = [\"a\", \"b\", \"c\", \"d\"]; };\n", "test.names: too many entries"},
    {SITE "test: { names = \"a\"; };\n", "test.names: must be a list of strings"},
    {SITE "test: { socket = \"inet:99999@127.0.0.1\"; };\n", "test.socket: bad port"},
    {SITE "test: { socket = \"tcp:25\"; };\n", "test.socket: socket must be"},
    {SITE "test: { socket = \"unix:relative\"; };\n", "must be absolute"},
    {SITE "test: { socket_mode = \"0999\"; };\n", "test.socket_mode: must be an octal"},
    /* enums: the allowed names, the value, the nearest name */
    {SITE "test: { on_error = \"ignore\"; };\n", ":2: test.on_error: must be \"tempfail\", \"accept\" or \"reject\", not \"ignore\"\n"},
    {SITE "test: { on_error = \"tempfial\"; };\n", "not \"tempfial\"; did you mean \"tempfail\"?"},
    {SITE "test: { on_error = \"Reject\"; };\n", "not \"Reject\"; did you mean \"reject\"?"},
    {SITE "test: { on_error = 1; };\n", ":2: test.on_error: must be a string"},
    {"site: { domain = \"example.net\"; internal_networks = [\"10.0.0.1/8\"]; };\n", ":1: site.internal_networks: address has bits set"},
    {"site: { domain = \"example.net\"; log_facility = \"mial\"; };\n", "site.log_facility: unknown syslog facility"},
    {"site: { domain = \"example.net\"; dns = { timeout = 0; }; };\n", "site.dns.timeout: 0 is out of range"},
    {"site: { domain = \"example.net\"; dns = { retries = 0; }; };\n", ":1: site.dns.retries: unknown key"},
    {"site: { hostname = \"a.example.net\"; };\n", ":1: site.domain: is required\n"},
    /* a required key of an absent section: no line, but why */
    {"test: { };\n", ": site.domain: is required, and the file has no site section\n"},
    {SITE "relya: { };\n", ":2: relya: unknown section; did you mean \"relay\"?"},
    {SITE "test = 5;\n", ":2: test: must be a group"},
    /* names: FILE:LINE, key, the value and why */
    {"site: { domain = \"a b\"; };\n", ":1: site.domain: \"a b\": only letters, digits, '-' and dots are allowed"},
    {"site: {\n domain = \"home..example.net\"; };\n", ":2: site.domain: \"home..example.net\": empty label"},
    {"site: { domain = \"example.net\"; hostname = \"mail.example.net.\"; };\n", "site.hostname: \"mail.example.net.\": a trailing dot is not allowed here"},
    {"site: { domain = \"192.168.1.1\"; };\n", "site.domain: \"192.168.1.1\": the last label is all digits"},
    {"site: { domain = \"x\\x01y\"; };\n", "site.domain: \"x\\x01y\": only letters"},
    /* did you mean: against the keys of that section */
    {SITE "test: { cuont = 5; };\n", ":2: test.cuont: unknown key; did you mean \"count\"?"},
    {SITE "test: { socket_grup = \"x\"; };\n", "test.socket_grup: unknown key; did you mean \"socket_group\"?"},
    {"site: { domain = \"example.net\"; dns = { timeuot = 1; }; };\n", "site.dns.timeuot: unknown key; did you mean \"timeout\"?"},
    /* syntax errors: what and where, and where the mistake began */
    {"site: { domain = ; };\n", ":1: syntax error at: site: { domain = ; };"},
    {"site: { domain = \"example.net\";\n l = [\"a\",\n \"b\"\n};\n", ":2: '[' opened here is closed by '}' on line 4"},
    {"site: { domain = \"example.net\";\n\nmasq: { as = \"y\"; };\n", ":1: '{' opened here is never closed"},
    {"site: { domain = \"example.net;\n hostname = \"x\"; };\n", ":1: a string opened here runs past the end of its line"},
    {"# comment {\nsite: { domain = \"example.net\"; }\n}\n", ":3: unexpected '}': nothing is open here"},
};

static void errors_name_file_line_and_key(void **state)
{
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        site_settings site;
        part p;
        str_t e;

        if (load(error_cases[i].text, &site, &p, &e) != -1)
            fail_msg("case %zu accepted: %s", i, error_cases[i].text);
        if (strstr(e.buf, error_cases[i].expect) == NULL)
            fail_msg("case %zu: expected \"%s\" in \"%s\"", i, error_cases[i].expect, e.buf);
        if (strncmp(e.buf, "/tmp/test_cfg.", 14) != 0)
            fail_msg("case %zu: error does not start with the file name: %s", i, e.buf);
        str_free(&e);
    }
}

static void every_error_is_collected(void **state)
{
    site_settings site;
    part p;
    str_t e;
    int lines = 0;

    assert_int_equal(load("site: { domain = \"example.net\"; };\n"
                          "test: { foo = 1;\n bar = 2;\n count = 0;\n flag = \"yes\"; };\n",
                          &site, &p, &e), -1);
    for (const char *c = e.buf; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 4);
    assert_non_null(strstr(e.buf, ":2: test.foo"));
    assert_non_null(strstr(e.buf, ":3: test.bar"));
    assert_non_null(strstr(e.buf, ":4: test.count"));
    assert_non_null(strstr(e.buf, ":5: test.flag"));
    str_free(&e);
}

/* cfg_where names the line of a setting, a list element's member too, and
 * only the file when the setting is absent or the file unreadable. */
static void where_names_file_and_line(void **state)
{
    str_t w, want;

    (void)state;
    write_conf("site: { domain = \"example.net\"; };\n"
               "test: {\n"
               "  keys = (\n"
               "    { name = \"a\"; },\n"
               "    { name = \"b\";\n"
               "      file = \"/k\"; }\n"
               "  );\n"
               "};\n");
    str_init(&w);
    str_init(&want);
    cfg_where(path, "test.keys.[1].file", &w);
    str_printf(&want, "%s:6: test.keys[1].file: ", path);
    assert_string_equal(w.buf, want.buf);
    str_clear(&w);
    str_clear(&want);
    cfg_where(path, "site.hostname", &w);
    str_printf(&want, "%s: site.hostname: ", path);
    assert_string_equal(w.buf, want.buf);
    unlink(path);
    str_clear(&w);
    str_clear(&want);
    cfg_where(path, "site.domain", &w);
    str_printf(&want, "%s: site.domain: ", path);
    assert_string_equal(w.buf, want.buf);
    str_free(&w);
    str_free(&want);
}

static void missing_file_is_an_error(void **state)
{
    site_settings site;
    part p;
    str_t e;

    str_init(&e);
    assert_int_equal(site_load("/nonexistent/milterkit.conf", &site, "test", &part_schema, &p, &e), -1);
    assert_non_null(strstr(e.buf, "/nonexistent/milterkit.conf: cannot read"));
    str_free(&e);
}

/* The nearest name is offered only when it is near. */
static void did_you_mean_only_when_near(void **state)
{
    site_settings site;
    part p;
    str_t e;

    (void)state;
    assert_int_equal(load(SITE "test: { zzzzzz = 1; xs = 2; };\n", &site, &p, &e), -1);
    assert_non_null(strstr(e.buf, ":2: test.zzzzzz: unknown key\n"));
    assert_non_null(strstr(e.buf, ":2: test.xs: unknown key; did you mean \"as\"?\n"));
    str_free(&e);
    assert_int_equal(cfghint_distance("domians", "domains"), 1);
    assert_int_equal(cfghint_distance("DOMAINS", "domains"), 0);
    assert_int_equal(cfghint_distance("abc", ""), 3);
    assert_int_equal(cfghint_distance("kitten", "sitting"), 3);
}

/* A part with a section check, to see when the check runs. */
typedef struct checked {
    daemon_settings daemon;
    char *as;
    long count;
    cfg_strlist names;
} checked;

static int checked_check(void *obj, str_t *err)
{
    const checked *c = obj;

    if (c->as == NULL) {
        str_append_cstr(err, "as: not set\n");
        return -1;
    }
    if (strcmp(c->as, "bad") == 0) {
        str_append_cstr(err, "as: is bad\nnames and as disagree\n");
        return -1;
    }
    return 0;
}

static const cfg_field checked_fields[] = {
    DAEMON_SETTINGS_FIELDS(checked, daemon, "unix:/run/milterkit/test.sock"),
    CFG_FIELD(checked, as, "as", CFG_STRING, NULL),
    {.name = "count", .type = CFG_INT, .offset = offsetof(checked, count), .def = "5", .min = 1,
     .max = 10},
    {.name = "names", .type = CFG_STRLIST, .offset = offsetof(checked, names),
     .each = dname_check_match},
};

static const cfg_schema checked_schema = {
    .size = sizeof(checked), .fields = checked_fields,
    .nfields = sizeof checked_fields / sizeof checked_fields[0], .check = checked_check,
    .check_reads = "as",
};

static int load_checked(const char *text, str_t *errors)
{
    site_settings site;
    checked c;
    int rc;

    write_conf(text);
    str_init(errors);
    rc = site_load(path, &site, "test", &checked_schema, &c, errors);
    unlink(path);
    if (rc == 0) {
        site_free(&site);
        cfg_free(&checked_schema, &c);
    }
    return rc;
}

/* The section check runs on what loaded: a failed field it does not read
 * does not hide its errors; a failed field it reads does (no cascade). */
static void section_check_runs_without_cascades(void **state)
{
    str_t e;

    (void)state;
    assert_int_equal(load_checked(SITE "test: {\n count = 99;\n names = [\"a..b\"]; };\n", &e), -1);
    assert_non_null(strstr(e.buf, ":3: test.count: 99 is out of range"));
    assert_non_null(strstr(e.buf, ":4: test.names: \"a..b\": empty label"));
    assert_non_null(strstr(e.buf, ":2: test.as: not set\n"));
    str_free(&e);
    assert_int_equal(load_checked(SITE "test: {\n as = 5; };\n", &e), -1);
    assert_non_null(strstr(e.buf, ":3: test.as: must be a string"));
    assert_null(strstr(e.buf, "not set"));
    str_free(&e);
    /* A message naming a field is reported at that field's line. */
    assert_int_equal(load_checked(SITE "test: {\n count = 2;\n as = \"bad\"; };\n", &e), -1);
    assert_non_null(strstr(e.buf, ":4: test.as: is bad\n"));
    assert_non_null(strstr(e.buf, ":2: test: names and as disagree\n"));
    str_free(&e);
    assert_int_equal(load_checked(SITE "test: { as = \"good\"; names = [\"a.example.\"]; };\n", &e), 0);
    str_free(&e);
}

/* cfg_peek_strlist reads another section's list without its schema. */
static void peek_reads_lists_and_strings(void **state)
{
    cfg_strlist l;

    (void)state;
    write_conf(SITE "relay: { local_domains = [\"a.example\", \"b.example\"]; bogus = 1; };\n"
               "masq: { as = \"example.net\"; n = 5; };\n");
    assert_int_equal(cfg_peek_strlist(path, "relay.local_domains", &l), 0);
    assert_int_equal(l.count, 2);
    assert_string_equal(l.items[1], "b.example");
    cfg_strlist_free(&l);
    assert_int_equal(cfg_peek_strlist(path, "masq.as", &l), 0);
    assert_int_equal(l.count, 1);
    assert_string_equal(l.items[0], "example.net");
    cfg_strlist_free(&l);
    assert_int_equal(cfg_peek_strlist(path, "masq.n", &l), -1);
    assert_int_equal(l.count, 0);
    assert_int_equal(cfg_peek_strlist(path, "relay.relay_domains", &l), -1);
    unlink(path);
    assert_int_equal(cfg_peek_strlist(path, "masq.as", &l), -1);
    assert_string_equal(cfg_enum_name_of(site_actions, SITE_ACCEPT), "accept");
    assert_string_equal(cfg_enum_name_of(site_actions_no_accept, SITE_ACCEPT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_fill_unset_keys),
        cmocka_unit_test(values_override_defaults),
        cmocka_unit_test(errors_name_file_line_and_key),
        cmocka_unit_test(every_error_is_collected),
        cmocka_unit_test(where_names_file_and_line),
        cmocka_unit_test(missing_file_is_an_error),
        cmocka_unit_test(did_you_mean_only_when_near),
        cmocka_unit_test(section_check_runs_without_cascades),
        cmocka_unit_test(peek_reads_lists_and_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
