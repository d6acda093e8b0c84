/*
 * test_dkimkey.c - unit tests of lib/dkimkey: the key formats that
 * opendkim-genkey, dkimpy's dknewkey and openssl write, refused keys, the
 * public key in DNS form, base64, and the permission check naming the
 * offending path component.
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
            assert_int_equal(dkimkey_load_file(path, false, &key, &why), -1);
            assert_null(key);
            if (strstr(why.buf, key_cases[i].error) == NULL || strstr(why.buf, path) == NULL)
                fail_msg("%s: unexpected error \"%s\"", key_cases[i].file, why.buf);
        } else {
            if (dkimkey_load_file(path, false, &key, &why) < 0)
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

/* ---- permissions, in a private directory under /tmp ---- */

static char dir[] = "/tmp/test_dkimkey.XXXXXX";

static void put_key(const char *rel, mode_t mode)
{
    char src[512], dst[512];
    str_t data;
    int fd;

    snprintf(src, sizeof(src), "%s/ed25519-dknewkey.key", DKIM_TEST_DATA);
    snprintf(dst, sizeof(dst), "%s/%s", dir, rel);
    str_init(&data);
    read_text(src, &data);
    fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data.buf, data.len), (ssize_t)data.len);
    close(fd);
    assert_int_equal(chmod(dst, mode), 0);
    str_free(&data);
}

static void make_dir(const char *rel, mode_t mode)
{
    char p[512];

    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(chmod(p, mode), 0);
}

static int setup_perms(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    make_dir("safe", 0700);
    make_dir("ow", 0777);
    make_dir("gw", 0770);
    make_dir("sticky", 01777);
    put_key("safe/key", 0600);
    put_key("safe/key-0640", 0640);
    put_key("safe/key-0604", 0604);
    put_key("safe/key-0602", 0602);
    put_key("ow/key", 0600);
    put_key("gw/key", 0600);
    put_key("sticky/key", 0600);
    {
        char l[512];
        snprintf(l, sizeof(l), "%s/safe/link-to-unsafe", dir);
        if (symlink("../ow/key", l) < 0)
            return -1;
        snprintf(l, sizeof(l), "%s/safe/link-to-safe", dir);
        if (symlink("key", l) < 0)
            return -1;
    }
    return 0;
}

static int teardown_perms(void **state)
{
    char cmd[600];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void permission_check_names_component(void **state)
{
    static const struct {
        const char *rel;
        const char *offender; /* relative to dir, NULL = accepted */
        const char *reason;
    } cases[] = {
        {"safe/key", NULL, NULL},
        {"safe/link-to-safe", NULL, NULL},
        {"safe/key-0640", "safe/key-0640", "group or others"},
        {"safe/key-0604", "safe/key-0604", "group or others"},
        {"safe/key-0602", "safe/key-0602", "group or others"},
        {"ow/key", "ow", "writable by others"},
        {"gw/key", "gw", "group-writable"},
        {"safe/link-to-unsafe", "ow", "writable by others"},
        {"safe/missing", "safe/missing", "No such file"},
        {"safe", "safe", "not a regular file"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[512], offender[512];
        dkimkey_t *key = NULL;
        str_t why;

        snprintf(path, sizeof(path), "%s/%s", dir, cases[i].rel);
        str_init(&why);
        if (cases[i].offender == NULL) {
            if (dkimkey_load_file(path, true, &key, &why) < 0)
                fail_msg("%s refused: %s", cases[i].rel, why.buf);
            dkimkey_free(&key);
        } else {
            assert_int_equal(dkimkey_check_path(path, &why), -1);
            snprintf(offender, sizeof(offender), "%s/%s: ", dir, cases[i].offender);
            if (strncmp(why.buf, offender, strlen(offender)) != 0 ||
                strstr(why.buf, cases[i].reason) == NULL)
                fail_msg("%s: unexpected \"%s\"", cases[i].rel, why.buf);
            str_clear(&why);
            assert_int_equal(dkimkey_load_file(path, true, &key, &why), -1);
            assert_null(key);
        }
        str_free(&why);
    }
}

/* Sticky, world-writable and root-owned (like /tmp): accepted; the same
   directory owned by someone else: refused. */
static void sticky_dir_rule(void **state)
{
    char path[512];
    str_t why;
    int ret;

    (void)state;
    snprintf(path, sizeof(path), "%s/sticky/key", dir);
    str_init(&why);
    ret = dkimkey_check_path(path, &why);
    if (geteuid() == 0)
        assert_int_equal(ret, 0);
    else
        assert_non_null(strstr(why.buf, "/sticky: directory on the key path is writable"));
    str_free(&why);
}

static void check_off_loads_unsafe_file(void **state)
{
    char path[512];
    dkimkey_t *key = NULL;
    str_t why;

    (void)state;
    snprintf(path, sizeof(path), "%s/ow/key", dir);
    str_init(&why);
    assert_int_equal(dkimkey_load_file(path, false, &key, &why), 0);
    dkimkey_free(&key);
    str_free(&why);
}

static void relative_path_is_checked(void **state)
{
    char cwd[512];
    dkimkey_t *key = NULL;
    str_t why;

    (void)state;
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    str_init(&why);
    assert_int_equal(dkimkey_load_file("ow/key", true, &key, &why), -1);
    assert_non_null(strstr(why.buf, "/ow: "));
    str_clear(&why);
    assert_int_equal(dkimkey_load_file("safe/key", true, &key, &why), 0);
    dkimkey_free(&key);
    str_free(&why);
    assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_formats_table),
        cmocka_unit_test(load_mem_seed_with_whitespace),
        cmocka_unit_test(base64_round_trip),
        cmocka_unit_test(permission_check_names_component),
        cmocka_unit_test(sticky_dir_rule),
        cmocka_unit_test(check_off_loads_unsafe_file),
        cmocka_unit_test(relative_path_is_checked),
    };

    return cmocka_run_group_tests(tests, setup_perms, teardown_perms);
}
