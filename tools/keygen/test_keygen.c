/* test_keygen.c - unit tests of milterkit-keygen's modules: name checks
 * (kgname), key generation and file creation (kgkey), and the --check
 * verdicts (kgcheck_judge, on lib/dkim/dkimrec whose own tests are in
 * tests/unit/test_dkimrec.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim/dkimkey.h"
#include "kgcheck.h"
#include "kgkey.h"
#include "kgname.h"
#include "core/fileio.h"
#include "core/mem.h"

/* ---- kgname (names: tests/unit/test_dname.c) ---- */

static void numbers_and_default_selector(void **state)
{
    (void)state;
    long v;
    assert_int_equal(kgname_parse_long("2048", &v), 0);
    assert_int_equal(v, 2048);
    assert_int_equal(kgname_parse_long("", &v), -1);
    assert_int_equal(kgname_parse_long("20x", &v), -1);
    assert_int_equal(kgname_parse_long("99999999999999999999999", &v), -1);
    char buf[16];
    setenv("TZ", "UTC", 1);
    kgname_default_selector((time_t)1795392000, buf, sizeof buf); /* 2026-11-23 */
    assert_string_equal(buf, "202611");
}

/* ---- kgkey ---- */

static void bits_are_bounded(void **state)
{
    (void)state;
    const char *err;
    assert_int_equal(kgkey_check_bits(KGKEY_RSA, 512, &err), -1);
    assert_int_equal(kgkey_check_bits(KGKEY_RSA, 1023, &err), -1);
    assert_int_equal(kgkey_check_bits(KGKEY_RSA, 1024, &err), 0);
    assert_int_equal(kgkey_check_bits(KGKEY_RSA, 4096, &err), 0);
    assert_int_equal(kgkey_check_bits(KGKEY_RSA, 4097, &err), -1);
    assert_int_equal(kgkey_check_bits(KGKEY_ED25519, 0, &err), 0);
    assert_int_equal(kgkey_check_bits(KGKEY_ED25519, 2048, &err), -1);
    kgkey_alg alg;
    assert_int_equal(kgkey_alg_parse("Ed25519", &alg), 0);
    assert_int_equal(alg, KGKEY_ED25519);
    assert_int_equal(kgkey_alg_parse("dsa", &alg), -1);
}

static dkimkey_t *new_key(kgkey_alg alg, int bits)
{
    str_t pem, why;
    const char *err;
    dkimkey_t *key = NULL;
    str_init(&pem);
    str_init(&why);
    assert_int_equal(kgkey_generate_pem(alg, bits, &pem, &err), 0);
    assert_non_null(strstr(pem.buf, "-----BEGIN PRIVATE KEY-----"));
    assert_int_equal(dkimkey_load_mem(pem.buf, pem.len, &key, &why), 0);
    str_free(&pem);
    str_free(&why);
    return key;
}

static void generated_keys_load(void **state)
{
    (void)state;
    dkimkey_t *rsa = new_key(KGKEY_RSA, 1024);
    dkimkey_t *ed = new_key(KGKEY_ED25519, 0);
    assert_int_equal(dkimkey_type(rsa), DKIMKEY_RSA);
    assert_int_equal(dkimkey_bits(rsa), 1024);
    assert_int_equal(dkimkey_type(ed), DKIMKEY_ED25519);
    str_t p;
    const char *err;
    str_init(&p);
    assert_int_equal(dkimkey_public_dns(ed, &p, &err), 0);
    assert_int_equal(p.len, 44); /* base64 of 32 bytes */
    str_free(&p);
    dkimkey_free(&rsa);
    dkimkey_free(&ed);
}

static void write_new_is_exclusive_and_private(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_keygen.XXXXXX";
    assert_non_null(mkdtemp(dir));
    str_t path, why;
    str_init(&path);
    str_init(&why);
    str_printf(&path, "%s/k.private", dir);
    umask(0);
    assert_int_equal(fileio_create_new(path.buf, "secret", 6, 0600, &why), 0);
    struct stat st;
    assert_int_equal(stat(path.buf, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(fileio_create_new(path.buf, "other", 5, 0600, &why), -1);
    assert_non_null(strstr(why.buf, "exists already"));
    assert_non_null(strstr(why.buf, path.buf));
    assert_int_equal(stat(path.buf, &st), 0);
    assert_int_equal(st.st_size, 6);
    unlink(path.buf);
    rmdir(dir);
    str_free(&path);
    str_free(&why);
}

/* ---- kgcheck_judge ---- */

static kgcheck_result judge(const char *const *txt, size_t n, const dkimkey_t *key)
{
    size_t len[4];
    for (size_t i = 0; i < n; i++)
        len[i] = strlen(txt[i]);
    str_t msg;
    str_init(&msg);
    kgcheck_result r = kgcheck_judge(txt, len, n, key, &msg);
    str_free(&msg);
    return r;
}

static void judge_verdicts(void **state)
{
    (void)state;
    dkimkey_t *ed = new_key(KGKEY_ED25519, 0);
    dkimkey_t *ed2 = new_key(KGKEY_ED25519, 0);
    str_t p, p2, match, other, msg;
    const char *err;
    str_init(&p), str_init(&p2), str_init(&msg);
    assert_int_equal(dkimkey_public_dns(ed, &p, &err), 0);
    assert_int_equal(dkimkey_public_dns(ed2, &p2, &err), 0);
    str_init(&match);
    str_printf(&match, "v=DKIM1; k=ed25519; p=%s", p.buf);
    str_init(&other);
    str_printf(&other, "v=DKIM1; k=ed25519; p=%s", p2.buf);

    const char *one[1] = { match.buf };
    assert_int_equal(judge(one, 1, ed), KGCHECK_MATCH);
    one[0] = other.buf;
    assert_int_equal(judge(one, 1, ed), KGCHECK_DIFFERENT);
    one[0] = "v=DKIM1; k=ed25519; p=!!!!";
    assert_int_equal(judge(one, 1, ed), KGCHECK_MALFORMED);
    /* the lines of lib/dkim/dkimrec come indented, as --check prints them */
    const char *two[2] = { "garbage", match.buf };
    size_t len[2] = { strlen(two[0]), strlen(two[1]) };
    assert_int_equal(kgcheck_judge(two, len, 2, ed, &msg), KGCHECK_MATCH);
    assert_non_null(strstr(msg.buf, "  malformed record"));
    assert_non_null(strstr(msg.buf, "\n  record matches the key file\n"));
    assert_non_null(strstr(msg.buf, "\n  warning: 2 TXT records"));

    str_free(&p), str_free(&p2), str_free(&msg);
    str_free(&match), str_free(&other);
    dkimkey_free(&ed);
    dkimkey_free(&ed2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_and_default_selector),
        cmocka_unit_test(bits_are_bounded),
        cmocka_unit_test(generated_keys_load),
        cmocka_unit_test(write_new_is_exclusive_and_private),
        cmocka_unit_test(judge_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
