/*
 * test_dkimkey.c - unit tests of lib/dkimkey: the key formats that
 * opendkim-genkey, dkimpy's dknewkey and openssl write, refused keys, the
 * public key in DNS form and base64.  The key file rule is tested in
 * test_dkimkey_path.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim/dkimkey.h"
#include "core/mem.h"
#include "core/str.h"

#ifndef DKIM_TEST_DATA
#define DKIM_TEST_DATA "tests/data/dkim"
#endif
#define DKIMPY_DATA "/usr/lib/python3/dist-packages/dkim/tests/data"

static const struct {
    const char *file;    /* under DKIM_TEST_DATA, or absolute */
    int ok;
    dkimkey_type_t type;
    int bits;
    const char *p_file;  /* expected p= (file under DKIM_TEST_DATA), or NULL */
    const char *p;       /* expected p= literally, or NULL */
    const char *error;   /* substring of the error when !ok */
} key_cases[] = {
    {"rsa2048-pkcs1.pem", 1, DKIMKEY_RSA, 2048, "rsa2048-genkey.p", NULL, NULL},
    {"rsa2048-genkey.private", 1, DKIMKEY_RSA, 2048, "rsa2048-genkey.p", NULL, NULL},
    {"ed25519-dknewkey.key", 1, DKIMKEY_ED25519, 256, "ed25519-dknewkey.p", NULL, NULL},
    {"ed25519-pkcs8.pem", 1, DKIMKEY_ED25519, 256, NULL, NULL, NULL},
    {"rsa1024.pem", 1, DKIMKEY_RSA, 1024, NULL, NULL, NULL},
    {"rsa4096.pem", 1, DKIMKEY_RSA, 4096, NULL, NULL, NULL},
    {"rsa512.pem", 0, DKIMKEY_RSA, 0, NULL, NULL, "RSA key of 512 bits refused"},
    {"ec-p256.pem", 0, DKIMKEY_RSA, 0, NULL, NULL, "unsupported key type EC"},
    {"garbage.key", 0, DKIMKEY_RSA, 0, NULL, NULL, "nor a base64 Ed25519 seed"},
    {"no-such-file", 0, DKIMKEY_RSA, 0, NULL, NULL, "No such file"},
    /* RFC 8463 appendix A key, as shipped with python3-dkim */
    {DKIMPY_DATA "/rfc8032_7_1.key", 1, DKIMKEY_ED25519, 256, NULL,
     "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", NULL},
    {DKIMPY_DATA "/test.private", 1, DKIMKEY_RSA, 1024, NULL, NULL, NULL},
};

static void read_text(const char *path, str_t *out)
{
    FILE *f = fopen(path, "r");
    int c;

    assert_non_null(f);
    while ((c = fgetc(f)) != EOF)
        if (c != '\n' && c != '\r' && c != ' ')
            str_append_char(out, (char)c);
    fclose(f);
}

static void key_formats_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
        char path[512];
        dkimkey_t *key = NULL;
        str_t why, pub, want;
        const char *error = NULL;

        if (key_cases[i].file[0] == '/') {
            if (access(key_cases[i].file, R_OK) != 0)
                continue; /* python3-dkim's test data not installed */
            snprintf(path, sizeof(path), "%s", key_cases[i].file);
        } else {
            snprintf(path, sizeof(path), "%s/%s", DKIM_TEST_DATA, key_cases[i].file);
        }
        str_init(&why);
        str_init(&pub);
        str_init(&want);
        if (!key_cases[i].ok) {
            assert_int_equal(dkimkey_load_file(path, NULL, &key, &why), -1);
            assert_null(key);
            if (strstr(why.buf, key_cases[i].error) == NULL || strstr(why.buf, path) == NULL)
                fail_msg("%s: unexpected error \"%s\"", key_cases[i].file, why.buf);
        } else {
            if (dkimkey_load_file(path, NULL, &key, &why) < 0)
                fail_msg("%s: %s", key_cases[i].file, why.buf);
            assert_int_equal(dkimkey_type(key), key_cases[i].type);
            assert_int_equal(dkimkey_bits(key), key_cases[i].bits);
            assert_string_equal(dkimkey_alg_name(key), key_cases[i].type == DKIMKEY_RSA
                                                           ? "rsa-sha256" : "ed25519-sha256");
            assert_string_equal(dkimkey_type_name(key),
                                key_cases[i].type == DKIMKEY_RSA ? "rsa" : "ed25519");
            assert_non_null(dkimkey_pkey(key));
            assert_true(dkimkey_sig_max(key) >= (size_t)(key_cases[i].bits / 8));
            assert_int_equal(dkimkey_public_dns(key, &pub, &error), 0);
            if (key_cases[i].p_file != NULL) {
                snprintf(path, sizeof(path), "%s/%s", DKIM_TEST_DATA, key_cases[i].p_file);
                read_text(path, &want);
                assert_string_equal(pub.buf, want.buf);
            }
            if (key_cases[i].p != NULL)
                assert_string_equal(pub.buf, key_cases[i].p);
            if (key_cases[i].type == DKIMKEY_ED25519)
                assert_int_equal(pub.len, 44);
            dkimkey_free(&key);
            assert_null(key);
        }
        str_free(&why);
        str_free(&pub);
        str_free(&want);
    }
}

static void load_mem_seed_with_whitespace(void **state)
{
    static const char seed[] = "  YIBo2Boj/G9T3oGhguewgCbGdpPdaw/syt2YNTkxja4=\r\n";
    static const char *const bad[] = {
        "YIBo2Boj/G9T3oGhguewgCbGdpPdaw/syt2YNTkx",     /* 30 bytes */
        "YIBo2Boj/G9T3oGhguewgCbGdpPdaw/syt2YNTkxja4=AA", /* data after padding */
        "YIBo2Boj/G9T3oGhguewgCbGdpPdaw/syt2YNTkxja4!",
        "",
    };
    dkimkey_t *key = NULL;
    str_t why;

    (void)state;
    str_init(&why);
    assert_int_equal(dkimkey_load_mem(seed, strlen(seed), &key, &why), 0);
    assert_int_equal(dkimkey_type(key), DKIMKEY_ED25519);
    dkimkey_free(&key);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        str_clear(&why);
        assert_int_equal(dkimkey_load_mem(bad[i], strlen(bad[i]), &key, &why), -1);
        assert_null(key);
        assert_true(why.len > 0);
    }
    str_free(&why);
}

static void base64_round_trip(void **state)
{
    static const struct {
        const char *raw, *b64;
    } cases[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}};
    static const char *const bad[] = {"Z", "Zg=", "Zg===", "Zm9v!", "Z=g="};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        str_t s;

        str_init(&s);
        dkimkey_b64_encode((const unsigned char *)cases[i].raw, strlen(cases[i].raw), &s);
        assert_string_equal(s.buf, cases[i].b64);
        str_clear(&s);
        assert_int_equal(dkimkey_b64_decode(cases[i].b64, strlen(cases[i].b64), &s), 0);
        assert_string_equal(s.buf, cases[i].raw);
        str_free(&s);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        str_t s;

        str_init(&s);
        assert_int_equal(dkimkey_b64_decode(bad[i], strlen(bad[i]), &s), -1);
        str_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_formats_table),
        cmocka_unit_test(load_mem_seed_with_whitespace),
        cmocka_unit_test(base64_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
