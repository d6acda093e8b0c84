/* test_str.c - unit tests of lib/str and lib/mem. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/mem.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_grows_and_terminates),
        cmocka_unit_test(embedded_nul_is_kept),
        cmocka_unit_test(printf_appends),
        cmocka_unit_test(steal_gives_buffer),
        cmocka_unit_test(strndup_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
