/* test_str.c - unit tests of lib/str and lib/mem. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/mem.h"
#include "core/sockspec.h"
#include "core/str.h"

static void append_grows_and_terminates(void **state)
{
    str_t s;

    str_init(&s);
    for (int i = 0; i < 1000; i++)
        str_append(&s, "abc", 3);
    assert_int_equal(s.len, 3000);
    assert_int_equal(s.buf[3000], '\0');
    assert_memory_equal(s.buf + 2997, "abc", 3);
    str_free(&s);
    assert_null(s.buf);
}

static void embedded_nul_is_kept(void **state)
{
    str_t s;

    str_init(&s);
    str_append(&s, "a\0b", 3);
    assert_int_equal(s.len, 3);
    assert_int_equal(s.buf[2], 'b');
    str_free(&s);
}

static void printf_appends(void **state)
{
    str_t s;

    str_init(&s);
    str_append_cstr(&s, "x=");
    str_printf(&s, "%d;%s", 42, "y");
    assert_string_equal(s.buf, "x=42;y");
    str_truncate(&s, 1);
    assert_string_equal(s.buf, "x");
    str_clear(&s);
    assert_int_equal(s.len, 0);
    str_free(&s);
}

static void steal_gives_buffer(void **state)
{
    str_t s;
    char *p;

    str_init(&s);
    str_append_cstr(&s, "hello");
    p = str_steal(&s);
    assert_string_equal(p, "hello");
    assert_int_equal(s.len, 0);
    mem_free(&p);
    assert_null(p);
    str_free(&s);
}

static void strndup_bounds(void **state)
{
    char *p = mem_strndup("abcdef", 3);

    assert_string_equal(p, "abc");
    mem_free(&p);
    p = mem_strndup("ab", 10);
    assert_string_equal(p, "ab");
    mem_free(&p);
}

/* str_dup_trimmed: input, its length, the copy. */
static const struct {
    const char *in;
    size_t n;
    const char *want;
} trims[] = {
    {"  a b \t", 7, "a b"},
    {"\r\n value\r\n", 10, "value"},
    {"x  ", 1, "x"},        /* only the first n bytes count */
    {" \t\r\n", 4, ""},
    {"", 0, ""},
    {"\vx\f", 3, "\vx\f"}, /* VT and FF are not trimmed */
};

static void dup_trimmed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof trims / sizeof trims[0]; i++) {
        char *p = str_dup_trimmed(trims[i].in, trims[i].n);

        assert_string_equal(p, trims[i].want);
        mem_free(&p);
    }
}

/* sockspec_unix_path: the path of unix: and local: specs, NULL otherwise. */
static void unix_path_of_spec(void **state)
{
    (void)state;
    assert_string_equal(sockspec_unix_path("unix:/run/x.sock"), "/run/x.sock");
    assert_string_equal(sockspec_unix_path("local:/run/x.sock"), "/run/x.sock");
    assert_string_equal(sockspec_unix_path("unix:"), "");
    assert_null(sockspec_unix_path("inet:8891@127.0.0.1"));
    assert_null(sockspec_unix_path("inet6:8891@::1"));
    assert_null(sockspec_unix_path("/run/x.sock"));
    assert_null(sockspec_unix_path("UNIX:/run/x.sock")); /* libmilter's spelling is lower case */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_grows_and_terminates),
        cmocka_unit_test(embedded_nul_is_kept),
        cmocka_unit_test(printf_appends),
        cmocka_unit_test(steal_gives_buffer),
        cmocka_unit_test(strndup_bounds),
        cmocka_unit_test(dup_trimmed),
        cmocka_unit_test(unix_path_of_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
