/* test_cfg.c - unit tests of lib/cfg and lib/site: schema, defaults, errors
 * with FILE:LINE and key, every error collected. */
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
    assert_string_equal(p.daemon.on_error, "tempfail");
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
                          "  socket = \"inet:8891@127.0.0.1\"; };\n"
                          "masq: { anything = 1; };\n",
                          &site, &p, &e), 0);
    assert_string_equal(p.as, "example.org");
    assert_false(p.flag);
    assert_int_equal(p.count, 10);
    assert_int_equal(p.names.count, 1);
    assert_string_equal(p.daemon.socket, "inet:8891@127.0.0.1");
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

static const error_case error_cases[] = {
    {"site: { domain = \"example.net\"; };\ntest: { domians = 1; };\n", ":2: test.domians: unknown key"},
    {"site: { domain = \"example.net\"; };\ntest: {\n flag = 1; };\n", ":3: test.flag: must be true or false"},
    {"site: { domain = \"example.net\"; };\ntest: { count = 11; };\n", ":2: test.count: 11 is out of range (1 to 10)"},
    {"site: { domain = \"example.net\"; };\ntest: { count = \"5\"; };\n", ":2: test.count: must be an integer"},
    {"site: { domain = \"example.net\"; };\ntest: { as = 5; };\n", ":2: test.as: must be a string"},
    {"site: { domain = \"example.net\"; };\ntest: { names = [\"a\", \"b\", \"c\", \"d\"]; };\n", "test.names: too many entries"},
    {"site: { domain = \"example.net\"; };\ntest: { names = \"a\"; };\n", "test.names: must be a list of strings"},
    {"site: { domain = \"example.net\"; };\ntest: { socket = \"inet:99999@127.0.0.1\"; };\n", "test.socket: bad port"},
    {"site: { domain = \"example.net\"; };\ntest: { socket = \"tcp:25\"; };\n", "test.socket: socket must be"},
    {"site: { domain = \"example.net\"; };\ntest: { socket = \"unix:relative\"; };\n", "must be absolute"},
    {"site: { domain = \"example.net\"; };\ntest: { socket_mode = \"0999\"; };\n", "test.socket_mode: must be an octal"},
    {"site: { domain = \"example.net\"; };\ntest: { on_error = \"ignore\"; };\n", "test.on_error: must be"},
    {"site: { domain = \"example.net\"; internal_networks = [\"10.0.0.1/8\"]; };\n", ":1: site.internal_networks: address has bits set"},
    {"site: { domain = \"example.net\"; log_facility = \"mial\"; };\n", "site.log_facility: unknown syslog facility"},
    {"site: { domain = \"example.net\"; dns = { timeout = 0; }; };\n", "site.dns.timeout: 0 is out of range"},
    {"site: { domain = \"example.net\"; dns = { retries = 0; }; };\n", ":1: site.dns.retries: unknown key"},
    {"site: { hostname = \"a.example.net\"; };\n", "site.domain: is required"},
    {"test: { };\n", "site.domain: is required"},
    {"site: { domain = \"example.net\"; };\nrelya: { };\n", ":2: relya: unknown section"},
    {"site: { domain = \"example.net\"; };\ntest = 5;\n", ":2: test: must be a group"},
    {"site: { domain = ; };\n", ":1: syntax error"},
    {"site: { domain = \"a b\"; };\n", "site.domain: not a domain name"},
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
    str_printf(&want, "%s:6: test.keys.[1].file: ", path);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_fill_unset_keys),
        cmocka_unit_test(values_override_defaults),
        cmocka_unit_test(errors_name_file_line_and_key),
        cmocka_unit_test(every_error_is_collected),
        cmocka_unit_test(where_names_file_and_line),
        cmocka_unit_test(missing_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
