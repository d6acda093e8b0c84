/* test_dkimnorm.c - unit tests of lib/dkim/dkimnorm: bare CR and bare LF
 * made CRLF, fed whole and byte by byte, with the count of changes; one
 * line per case. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <string.h>

#include "core/str.h"
#include "dkim/dkimnorm.h"

static const struct norm_case {
    const char *in;
    size_t len;
    const char *out;
    size_t out_len;
    uint64_t changes;
} cases[] = {
    {"", 0, "", 0, 0},
    {"a\r\nb\r\n", 6, "a\r\nb\r\n", 6, 0},
    {"one\rtwo", 7, "one\r\ntwo", 8, 1},
    {"one\ntwo", 7, "one\r\ntwo", 8, 1},
    {"\r", 1, "\r\n", 2, 1},
    {"\n", 1, "\r\n", 2, 1},
    {"a\r\r\n", 4, "a\r\n\r\n", 5, 1},
    {"a\n\rb", 4, "a\r\n\r\nb", 6, 2},
    {"\r\r\r", 3, "\r\n\r\n\r\n", 6, 3},
    {"x\0y\r\n", 5, "x\0y\r\n", 5, 0},
    {"end\r", 4, "end\r\n", 5, 1},
};

static void run(const struct norm_case *t, bool bytewise)
{
    dkimnorm_t n;
    str_t out;

    str_init(&out);
    dkimnorm_init(&n);
    if (bytewise)
        for (size_t i = 0; i < t->len; i++)
            dkimnorm_update(&n, t->in + i, 1, &out);
    else
        dkimnorm_update(&n, t->in, t->len, &out);
    dkimnorm_final(&n, &out);
    if (out.len != t->out_len || memcmp(out.buf, t->out, out.len) != 0 ||
        dkimnorm_changes(&n) != t->changes)
        fail_msg("\"%s\" (bytewise %d): %zu bytes, %llu changes", t->in, bytewise, out.len,
                 (unsigned long long)dkimnorm_changes(&n));
    str_free(&out);
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(&cases[i], false);
        run(&cases[i], true);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
