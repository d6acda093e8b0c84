/* test_hdrfield.c - lib/mail/hdrfield: the fields kept and the index
 * smfi_chgheader knows each by. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/mem.h"
#include "mail/hdrfield.h"

/* Fields in the order received, and the index each must get. */
static const struct {
    const char *name;
    int index;
} fields[] = {
    {"Received", 1}, {"From", 1}, {"received", 2}, {"To", 1},
    {"RECEIVED", 3}, {"from", 2}, {"Fromx", 1},  {"To", 2},
};

static void index_counts_same_name_case_insensitively(void **state)
{
    hdrfield *v = NULL;
    size_t n = 0;

    (void)state;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        hdrfields_add(&v, &n, fields[i].name, mem_strdup(" x"));
    assert_int_equal(n, sizeof fields / sizeof fields[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(v[i].name, fields[i].name);
        assert_int_equal(hdrfields_index(v, i), fields[i].index);
    }
    hdrfields_free(&v, &n);
    assert_null(v);
    assert_int_equal(n, 0);
}

static void value_is_taken_and_name_copied(void **state)
{
    hdrfield *v = NULL;
    size_t n = 0;
    char name[] = "Subject";
    char *value = mem_strdup(" hello");
    hdrfield *f;

    (void)state;
    f = hdrfields_add(&v, &n, name, value);
    name[0] = 'X';
    assert_ptr_equal(f->value, value);
    assert_string_equal(f->name, "Subject");
    hdrfields_free(&v, &n);
    hdrfields_free(&v, &n); /* again: nothing left */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(index_counts_same_name_case_insensitively),
        cmocka_unit_test(value_is_taken_and_name_copied),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
