/*
 * test_dkimcanon.c - unit tests of lib/dkimcanon: header canonicalization
 * tables, body canonicalization against expected canonical bytes, every
 * chunk split giving the same hash, bare LF bodies, empty bodies.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/evp.h>

#include "dkim/dkimcanon.h"
#include "dkim/dkimkey.h"
#include "core/mem.h"
#include "core/str.h"

static const struct {
    const char *name, *value, *simple, *relaxed;
} header_cases[] = {
    {"From", " Alice <a@example.net>", "From: Alice <a@example.net>\r\n",
     "from:Alice <a@example.net>\r\n"},
    {"Subject", " folded\n\tover  two\t lines \t", "Subject: folded\r\n\tover  two\t lines \t\r\n",
     "subject:folded over two lines\r\n"},
    {"Subject", " crlf\r\n folded", "Subject: crlf\r\n folded\r\n", "subject:crlf folded\r\n"},
    {"X-Empty", "", "X-Empty:\r\n", "x-empty:\r\n"},
    {"X-Blank", "   \t ", "X-Blank:   \t \r\n", "x-blank:\r\n"},
    {"MIXED-Case", "no-lead-space", "MIXED-Case:no-lead-space\r\n", "mixed-case:no-lead-space\r\n"},
    {"X-8bit", " caf\xc3\xa9  \xff", "X-8bit: caf\xc3\xa9  \xff\r\n", "x-8bit:caf\xc3\xa9 \xff\r\n"},
    {"X-Lf-First", "\n\tvalue", "X-Lf-First:\r\n\tvalue\r\n", "x-lf-first:value\r\n"},
    {"Name-Trail ", " v", "Name-Trail : v\r\n", "name-trail:v\r\n"},
};

static void header_canonicalization_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
        str_t out;

        str_init(&out);
        dkimcanon_header(DKIMCANON_SIMPLE, header_cases[i].name, header_cases[i].value,
                         strlen(header_cases[i].value), false, &out);
        assert_string_equal(out.buf, header_cases[i].simple);
        str_clear(&out);
        dkimcanon_header(DKIMCANON_RELAXED, header_cases[i].name, header_cases[i].value,
                         strlen(header_cases[i].value), false, &out);
        assert_string_equal(out.buf, header_cases[i].relaxed);
        str_clear(&out);
        dkimcanon_header(DKIMCANON_RELAXED, header_cases[i].name, header_cases[i].value,
                         strlen(header_cases[i].value), true, &out);
        assert_int_equal(out.len, strlen(header_cases[i].relaxed) - 2);
        str_free(&out);
    }
}

static void names_parse(void **state)
{
    dkimcanon_t c;

    (void)state;
    assert_int_equal(dkimcanon_from_name("simple", &c), 0);
    assert_int_equal(c, DKIMCANON_SIMPLE);
    assert_int_equal(dkimcanon_from_name("relaxed", &c), 0);
    assert_int_equal(c, DKIMCANON_RELAXED);
    assert_int_equal(dkimcanon_from_name("Relaxed", &c), -1);
    assert_string_equal(dkimcanon_name(DKIMCANON_RELAXED), "relaxed");
}

/* Body cases: input, canonical simple, canonical relaxed. */
static const struct {
    const char *in, *simple, *relaxed;
} body_cases[] = {
    {"", "\r\n", ""},
    {"\r\n", "\r\n", ""},
    {"\r\n\r\n\r\n", "\r\n", ""},
    {"a\r\n", "a\r\n", "a\r\n"},
    {"a\r\n\r\n\r\n", "a\r\n", "a\r\n"},
    {"a", "a\r\n", "a\r\n"},
    {"a \t b  \r\n", "a \t b  \r\n", "a b\r\n"},
    {"  lead\r\n", "  lead\r\n", " lead\r\n"},
    {"a\r\n \r\n\t\r\n", "a\r\n \r\n\t\r\n", "a\r\n"},
    {"a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n"},
    {"a\nb\n\n", "a\r\nb\r\n", "a\r\nb\r\n"},
    {"a\rb\r\n", "a\rb\r\n", "a\rb\r\n"},
    {"a\r\r\n", "a\r\r\n", "a\r\r\n"},
    {"a\r", "a\r\r\n", "a\r\r\n"},
    {"x  ", "x  \r\n", "x \r\n"},
    {"x\r\n \t", "x\r\n \t\r\n", "x\r\n \r\n"},
    {"\xff\x80 \xc3\xa9\r\n", "\xff\x80 \xc3\xa9\r\n", "\xff\x80 \xc3\xa9\r\n"},
    {".\r\n", ".\r\n", ".\r\n"},
};

static void sha256(const char *data, size_t len, unsigned char out[32])
{
    assert_int_equal(EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL), 1);
}

/* Hash of in[] fed as [0, cut1), [cut1, cut2), [cut2, len). */
static void hash_split(dkimcanon_t c, const char *in, size_t len, size_t cut1, size_t cut2,
                       unsigned char out[32])
{
    dkimcanon_body_t *b = NULL;
    const char *error = NULL;

    assert_int_equal(dkimcanon_body_new(c, &b, &error), 0);
    dkimcanon_body_update(b, in, cut1);
    dkimcanon_body_update(b, in + cut1, 0);
    dkimcanon_body_update(b, in + cut1, cut2 - cut1);
    dkimcanon_body_update(b, in + cut2, len - cut2);
    assert_int_equal(dkimcanon_body_final(b, out, &error), 0);
    dkimcanon_body_free(&b);
    assert_null(b);
}

static void body_cases_in_every_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
        const char *in = body_cases[i].in;
        size_t len = strlen(in);

        for (int c = 0; c < 2; c++) {
            const char *want = c == DKIMCANON_SIMPLE ? body_cases[i].simple : body_cases[i].relaxed;
            unsigned char expect[32], got[32];

            sha256(want, strlen(want), expect);
            for (size_t a = 0; a <= len; a++) {
                for (size_t b = a; b <= len; b++) {
                    hash_split((dkimcanon_t)c, in, len, a, b, got);
                    if (memcmp(got, expect, 32) != 0)
                        fail_msg("case %zu c=%d split %zu/%zu", i, c, a, b);
                }
            }
        }
    }
}

static void well_known_empty_body_hashes(void **state)
{
    unsigned char h[32];
    str_t b64;

    (void)state;
    str_init(&b64);
    hash_split(DKIMCANON_SIMPLE, "", 0, 0, 0, h);
    dkimkey_b64_encode(h, 32, &b64);
    assert_string_equal(b64.buf, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    str_clear(&b64);
    hash_split(DKIMCANON_RELAXED, "", 0, 0, 0, h);
    dkimkey_b64_encode(h, 32, &b64);
    assert_string_equal(b64.buf, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    str_free(&b64);
}

/* Many empty lines in the middle are kept, at the end dropped, with no
   buffering: a million of them cost a counter. */
static void many_empty_lines(void **state)
{
    size_t n = 1000000;
    char *in = mem_alloc(2 * n + 3);
    unsigned char expect[32], got[32];
    dkimcanon_body_t *b = NULL;
    const char *error = NULL;

    (void)state;
    for (size_t i = 0; i < n; i++)
        memcpy(in + 2 * i, "\r\n", 2);
    memcpy(in + 2 * n, "x\r\n", 3);
    sha256(in, 2 * n + 3, expect);
    assert_int_equal(dkimcanon_body_new(DKIMCANON_RELAXED, &b, &error), 0);
    dkimcanon_body_update(b, in, 2 * n + 3);
    dkimcanon_body_update(b, in, 2 * n); /* trailing: dropped */
    assert_int_equal(dkimcanon_body_final(b, got, &error), 0);
    assert_memory_equal(got, expect, 32);
    assert_int_equal(dkimcanon_body_length(b), 2 * n + 3);
    /* reset: a fresh body */
    assert_int_equal(dkimcanon_body_reset(b, &error), 0);
    dkimcanon_body_update(b, "x\r\n", 3);
    assert_int_equal(dkimcanon_body_final(b, got, &error), 0);
    sha256("x\r\n", 3, expect);
    assert_memory_equal(got, expect, 32);
    dkimcanon_body_free(&b);
    mem_free(&in);
}

/* A bare-LF body hashes like its CRLF form, whatever the chunking. */
static void bare_lf_equals_crlf(void **state)
{
    static const char lf[] = "line one \n\n\tline  two\n\n\n";
    static const char crlf[] = "line one \r\n\r\n\tline  two\r\n\r\n\r\n";

    (void)state;
    for (int c = 0; c < 2; c++) {
        unsigned char a[32], b[32];

        hash_split((dkimcanon_t)c, crlf, strlen(crlf), 0, 0, a);
        for (size_t cut = 0; cut <= strlen(lf); cut++) {
            hash_split((dkimcanon_t)c, lf, strlen(lf), cut, cut, b);
            assert_memory_equal(a, b, 32);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_canonicalization_table),
        cmocka_unit_test(names_parse),
        cmocka_unit_test(body_cases_in_every_split),
        cmocka_unit_test(well_known_empty_body_hashes),
        cmocka_unit_test(many_empty_lines),
        cmocka_unit_test(bare_lf_equals_crlf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
