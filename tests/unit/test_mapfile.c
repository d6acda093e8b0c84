/* test_mapfile.c - unit tests of lib/mapfile (makemap-style text maps). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail/mapfile.h"
#include "core/mem.h"
#include "core/str.h"

static mapfile *parse_ok(const char *text, unsigned flags)
{
    mapfile *m = NULL;
    str_t why;

    str_init(&why);
    if (mapfile_parse("t", text, strlen(text), flags, &m, &why) < 0)
        fail_msg("unexpected error: %s", why.buf);
    str_free(&why);
    return m;
}

static void key_value_comments_and_blank_lines(void **state)
{
    mapfile *m = parse_ok("# comment\n\nKey1\tvalue one  \n  # indented comment\n"
                          "key2   ERROR:\"550 no\"\r\n",
                          0);

    assert_int_equal(mapfile_count(m), 2);
    assert_string_equal(mapfile_lookup(m, "key1")->value, "value one");
    assert_int_equal(mapfile_lookup(m, "key1")->line, 3);
    assert_string_equal(mapfile_lookup(m, "KEY2")->value, "ERROR:\"550 no\"");
    assert_int_equal(mapfile_lookup(m, "key2")->line, 5);
    assert_null(mapfile_lookup(m, "key3"));
    assert_string_equal(mapfile_at(m, 0)->key, "key1");
    mapfile_free(&m);
    assert_null(m);
}

static void keep_case_flag_keeps_keys(void **state)
{
    mapfile *m = parse_ok("User@Example.COM x\n", MAPFILE_KEEP_CASE);

    assert_non_null(mapfile_lookup(m, "User@Example.COM"));
    assert_null(mapfile_lookup(m, "user@example.com"));
    mapfile_free(&m);
}

static void values_are_never_folded(void **state)
{
    mapfile *m = parse_ok("k MixedCase Value\n", 0);

    assert_string_equal(mapfile_lookup(m, "K")->value, "MixedCase Value");
    mapfile_free(&m);
}

static void leading_blanks_are_not_continuations(void **state)
{
    mapfile *m = parse_ok("a 1\n  b 2\n", 0);

    assert_int_equal(mapfile_count(m), 2);
    assert_string_equal(mapfile_lookup(m, "b")->value, "2");
    mapfile_free(&m);
}

static void last_line_without_newline(void **state)
{
    mapfile *m = parse_ok("a 1\nb 2", 0);

    assert_string_equal(mapfile_lookup(m, "b")->value, "2");
    mapfile_free(&m);
}

static void lookup_n_uses_length(void **state)
{
    mapfile *m = parse_ok("abc 1\n", 0);

    assert_non_null(mapfile_lookup_n(m, "abcdef", 3));
    assert_null(mapfile_lookup_n(m, "abcdef", 4));
    mapfile_free(&m);
}

static void many_entries_all_found(void **state)
{
    str_t t;
    mapfile *m;
    char key[32];

    str_init(&t);
    for (int i = 0; i < 5000; i++)
        str_printf(&t, "key%d value%d\n", i, i);
    m = parse_ok(t.buf, 0);
    for (int i = 0; i < 5000; i += 7) {
        snprintf(key, sizeof key, "KEY%d", i);
        assert_non_null(mapfile_lookup(m, key));
        assert_int_equal(mapfile_lookup(m, key)->line, i + 1);
    }
    str_free(&t);
    mapfile_free(&m);
}

static void empty_value_allowed_with_flag(void **state)
{
    mapfile *m = parse_ok("lonely\n", MAPFILE_ALLOW_EMPTY);

    assert_string_equal(mapfile_lookup(m, "lonely")->value, "");
    mapfile_free(&m);
}

static const struct bad_case {
    const char *text;
    const char *error; /* expected prefix of the message */
} bad_cases[] = {
    {"a 1\nlonely\n", "t:2: key \"lonely\" has no value"},
    {"a 1\nb 2\nA 3\n", "t:3: duplicate key \"a\" (first at line 1)"},
    {"a 1\n\nb x\0y\n", "t:3: NUL byte"},
};

static void bad_lines_name_file_and_line(void **state)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        mapfile *m = (mapfile *)1;
        str_t why;
        size_t len = strlen(bad_cases[i].text);

        if (i == 2)
            len = 12;
        str_init(&why);
        assert_int_equal(mapfile_parse("t", bad_cases[i].text, len, 0, &m, &why), -1);
        assert_null(m);
        if (strncmp(why.buf, bad_cases[i].error, strlen(bad_cases[i].error)) != 0)
            fail_msg("case %zu: got \"%s\"", i, why.buf);
        str_free(&why);
    }
}

static void overlong_line_is_refused(void **state)
{
    str_t t, why;
    mapfile *m;

    str_init(&t);
    str_init(&why);
    str_append_cstr(&t, "ok 1\nk ");
    for (int i = 0; i < MAPFILE_MAX_LINE; i++)
        str_append_char(&t, 'x');
    assert_int_equal(mapfile_parse("t", t.buf, t.len, 0, &m, &why), -1);
    assert_non_null(strstr(why.buf, "t:2: line longer than"));
    str_free(&t);
    str_free(&why);
}

static void load_reads_file_and_reports_missing(void **state)
{
    char path[] = "/tmp/test_mapfile.XXXXXX";
    int fd = mkstemp(path);
    mapfile *m;
    str_t why;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "k v\n", 4), 4);
    close(fd);
    str_init(&why);
    assert_int_equal(mapfile_load(path, 0, &m, &why), 0);
    assert_string_equal(mapfile_lookup(m, "k")->value, "v");
    assert_string_equal(mapfile_name(m), path);
    mapfile_free(&m);
    unlink(path);
    assert_int_equal(mapfile_load(path, 0, &m, &why), -1);
    assert_non_null(strstr(why.buf, path));
    assert_null(m);
    str_free(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_value_comments_and_blank_lines),
        cmocka_unit_test(keep_case_flag_keeps_keys),
        cmocka_unit_test(values_are_never_folded),
        cmocka_unit_test(leading_blanks_are_not_continuations),
        cmocka_unit_test(last_line_without_newline),
        cmocka_unit_test(lookup_n_uses_length),
        cmocka_unit_test(many_entries_all_found),
        cmocka_unit_test(empty_value_allowed_with_flag),
        cmocka_unit_test(bad_lines_name_file_and_line),
        cmocka_unit_test(overlong_line_is_refused),
        cmocka_unit_test(load_reads_file_and_reports_missing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
