/* test_dkim_tags.c - unit tests of milters/dkim/dkim_tags: a tag twice in
 * a tag-list, a tag's value, the q= methods, dkim-quoted-printable; one
 * line per case. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <string.h>

#include "core/str.h"
#include "dkim_tags.h"

static const struct dup_case {
    const char *list;
    const char *dup; /* NULL: none */
} dup_cases[] = {
    {"v=1; a=rsa-sha256; d=example.org", NULL},
    {"v=1; i=@a.example; i=@b.example", "i"},
    {"v=1;\r\n\t i =x; i\t= y;", "i"},
    {"d=x; D=y", NULL}, /* names are case-sensitive (RFC 6376 3.2) */
    {"b=; b=", "b"},
    {"v=DKIM1; k=rsa; k=rsa; p=", "k"},
    {";;; ; ", NULL},
    {"noequals; noequals", "noequals"},
    {"", NULL},
};

static const struct value_case {
    const char *list, *tag;
    bool found;
    const char *value;
} value_cases[] = {
    {"v=1; b=AB CD\r\n\t EF==; bh=x", "b", true, "ABCDEF=="},
    {"v=1; bh=x", "b", false, ""},
    {"b=first; b=last", "b", true, "last"},
    {"b=", "b", true, ""},
    {" b = x ", "b", true, "x"},
};

static const struct q_case {
    const char *q;
    bool ok;
} q_cases[] = {
    {"dns/txt", true},  {"DNS/TXT", true}, {"foo:dns/txt", true}, {" dns/txt ", true},
    {"dns", false},     {"foo/bar", false}, {"", false},           {"dns/txtx", false},
    {"dns/tx", false},
};

static const struct qp_case {
    const char *in;
    int rc;
    const char *out;
} qp_cases[] = {
    {"jlong=40messiah.edu", 0, "jlong@messiah.edu"},
    {"@example.org", 0, "@example.org"},
    {"a=20b", 0, "a b"},
    {"a=3Db", 0, "a=b"},
    {"a=3db", 0, "a=b"},
    {"a =40\r\n\tb", 0, "a@b"},
    {"bad=4", -1, "bad"},
    {"bad=ZZ", -1, "bad"},
    {"=", -1, ""},
};

static void test_duplicate(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dup_cases / sizeof dup_cases[0]; i++) {
        const struct dup_case *t = &dup_cases[i];
        str_t name;
        bool dup;

        str_init(&name);
        dup = dkim_tags_duplicate(t->list, strlen(t->list), &name);
        if (dup != (t->dup != NULL) || (dup && strcmp(name.buf, t->dup) != 0))
            fail_msg("\"%s\": %d \"%s\"", t->list, dup, name.buf);
        str_free(&name);
    }
}

static void test_value(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof value_cases / sizeof value_cases[0]; i++) {
        const struct value_case *t = &value_cases[i];
        str_t v;

        str_init(&v);
        if (dkim_tags_value(t->list, strlen(t->list), t->tag, &v) != t->found ||
            strcmp(v.buf, t->value) != 0)
            fail_msg("\"%s\" %s: \"%s\"", t->list, t->tag, v.buf);
        str_free(&v);
    }
}

static void test_query(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof q_cases / sizeof q_cases[0]; i++)
        if (dkim_tags_query_ok(q_cases[i].q) != q_cases[i].ok)
            fail_msg("q=\"%s\": want %d", q_cases[i].q, q_cases[i].ok);
}

static void test_qp(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof qp_cases / sizeof qp_cases[0]; i++) {
        const struct qp_case *t = &qp_cases[i];
        str_t out;
        int rc;

        str_init(&out);
        rc = dkim_tags_qp_decode(t->in, strlen(t->in), &out);
        if (rc != t->rc || strcmp(out.buf, t->out) != 0)
            fail_msg("\"%s\": %d \"%s\"", t->in, rc, out.buf);
        str_free(&out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_qp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
