/* test_keygen.c - unit tests of milterkit-keygen's modules: the key record
 * parser and formatter (kgrec), name checks (kgname), key generation and
 * file creation (kgkey), and the --check verdicts (kgcheck_judge). */
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
#include "kgrec.h"
#include "core/fileio.h"
#include "core/mem.h"

/* ---- kgrec_parse: table of records and what must come out ---- */

typedef struct parse_case {
    const char *txt;
    int rc;          /* 0 or -1 */
    const char *k;   /* expected k=, NULL absent */
    const char *p;   /* expected p= (whitespace removed) */
    const char *err; /* substring of the error */
} parse_case;

static const parse_case parse_cases[] = {
    { "v=DKIM1; k=rsa; p=QUJD", 0, "rsa", "QUJD", NULL },
    { "p=QUJD", 0, NULL, "QUJD", NULL },
    { "p=QUJD;", 0, NULL, "QUJD", NULL },
    { "  v = DKIM1 ;\tk = ed25519 ; p = QU JD\r\n RUY= ; ", 0, "ed25519", "QUJDRUY=", NULL },
    { "k=rsa; p=QUJD; v=DKIM1", -1, NULL, NULL, "first" },
    { "p=QUJD; n=notes here; x_unknown=whatever", 0, NULL, "QUJD", NULL },
    { "p=QUJD; x-unknown=1", -1, NULL, NULL, "'='" },
    { "t=y:s; p=; k=rsa", 0, "rsa", "", NULL },
    { "v=DKIM1; k=rsa", -1, NULL, NULL, "no p=" },
    { "v=DKIM2; p=QUJD", -1, NULL, NULL, "DKIM1" },
    { "p=QUJD; p=QUJD", -1, NULL, NULL, "duplicated" },
    { "k=rsa; k=ed25519; p=QUJD", -1, NULL, NULL, "duplicated" },
    { "p=QUJ", -1, NULL, NULL, "base64" },
    { "p=QU=D", -1, NULL, NULL, "base64" },
    { "p=Q===", -1, NULL, NULL, "base64" },
    { "p=QU!D", -1, NULL, NULL, "base64" },
    { "p QUJD", -1, NULL, NULL, "'='" },
    { "v=DKIM1;; p=QUJD", -1, NULL, NULL, "tag name" },
    { "=x; p=QUJD", -1, NULL, NULL, "tag name" },
    { "1k=rsa; p=QUJD", -1, NULL, NULL, "tag name" },
    { "n=caf\xc3\xa9; p=QUJD", -1, NULL, NULL, "character" },
    { "", -1, NULL, NULL, "no p=" },
    { "p=QUJD; k_1=a b c", 0, NULL, "QUJD", NULL },
};

static void parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const parse_case *c = &parse_cases[i];
        kgrec rec;
        const char *err = NULL;
        int rc = kgrec_parse(c->txt, strlen(c->txt), &rec, &err);
        if (rc != c->rc)
            fail_msg("case %zu \"%s\": rc %d, want %d (%s)", i, c->txt, rc, c->rc,
                     err ? err : "");
        if (rc < 0) {
            assert_non_null(strstr(err, c->err));
            assert_null(rec.p);
            continue;
        }
        if (c->k == NULL)
            assert_null(rec.k);
        else
            assert_string_equal(rec.k, c->k);
        assert_string_equal(rec.p, c->p);
        kgrec_free(&rec);
    }
}

static void parse_refuses_nul_and_overlong(void **state)
{
    (void)state;
    kgrec rec;
    const char *err;
    assert_int_equal(kgrec_parse("p=QUJD\0x", 8, &rec, &err), -1);
    size_t n = KGREC_MAX_LEN + 1;
    char *big = mem_alloc(n);
    memset(big, 'A', n);
    memcpy(big, "p=", 2);
    assert_int_equal(kgrec_parse(big, n, &rec, &err), -1);
    assert_non_null(strstr(err, "too long"));
    mem_free(&big);
}

static void parse_refuses_too_many_tags(void **state)
{
    (void)state;
    str_t s;
    str_init(&s);
    for (int i = 0; i < KGREC_MAX_TAGS + 1; i++)
        str_printf(&s, "x%d=1; ", i);
    str_append_cstr(&s, "p=QUJD");
    kgrec rec;
    const char *err;
    assert_int_equal(kgrec_parse(s.buf, s.len, &rec, &err), -1);
    assert_non_null(strstr(err, "too many"));
    str_free(&s);
}

static void flags_are_found(void **state)
{
    (void)state;
    kgrec rec;
    const char *err;
    assert_int_equal(kgrec_parse("t = y : s; p=", 13, &rec, &err), 0);
    assert_true(kgrec_has_flag(&rec, "y"));
    assert_true(kgrec_has_flag(&rec, "s"));
    assert_false(kgrec_has_flag(&rec, "x"));
    kgrec_free(&rec);
    assert_int_equal(kgrec_parse("t=yy; p=", 8, &rec, &err), 0);
    assert_false(kgrec_has_flag(&rec, "y"));
    kgrec_free(&rec);
}

/* ---- kgrec_format / kgrec_zone_line ---- */

/* Joins the quoted strings of a zone line, checking each is <= 255. */
static void join_quoted(const char *line, str_t *out)
{
    const char *s = strchr(line, '(');
    assert_non_null(s);
    while ((s = strchr(s, '"')) != NULL) {
        const char *e = strchr(s + 1, '"');
        assert_non_null(e);
        assert_true((size_t)(e - s - 1) <= KGREC_TXT_CHUNK);
        str_append(out, s + 1, (size_t)(e - s - 1));
        s = e + 1;
    }
}

static void zone_line_splits_and_joins(void **state)
{
    (void)state;
    static const size_t plens[] = { 0, 1, 252, 253, 254, 255, 256, 508, 509, 736, 2000 };
    for (size_t i = 0; i < sizeof plens / sizeof plens[0]; i++) {
        char *p = mem_alloc(plens[i] + 1);
        memset(p, 'A', plens[i]);
        p[plens[i]] = '\0';
        kgrec_spec spec = { .k = "rsa", .p = p, .testing = i % 2, .no_subdomains = i % 3 == 0 };
        str_t one, zone, joined;
        str_init(&one);
        str_init(&zone);
        str_init(&joined);
        kgrec_format(&spec, &one);
        kgrec_zone_line(&spec, "sel", "example.net", &zone);
        assert_int_equal(strncmp(zone.buf, "sel._domainkey\tIN\tTXT\t( \"v=DKIM1; k=rsa; ", 40), 0);
        join_quoted(zone.buf, &joined);
        assert_string_equal(joined.buf, one.buf);
        kgrec rec;
        const char *err;
        if (plens[i] % 4 == 0) {
            assert_int_equal(kgrec_parse(one.buf, one.len, &rec, &err), 0);
            assert_string_equal(rec.p, p);
            assert_int_equal(kgrec_has_flag(&rec, "y"), spec.testing);
            assert_int_equal(kgrec_has_flag(&rec, "s"), spec.no_subdomains);
            kgrec_free(&rec);
        }
        str_free(&one);
        str_free(&zone);
        str_free(&joined);
        mem_free(&p);
    }
}

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
    str_t p, p2, match, folded, other, wrongk, revoked, sha1;
    const char *err;
    str_init(&p);
    str_init(&p2);
    assert_int_equal(dkimkey_public_dns(ed, &p, &err), 0);
    assert_int_equal(dkimkey_public_dns(ed2, &p2, &err), 0);
    str_init(&match);
    str_printf(&match, "v=DKIM1; k=ed25519; p=%s", p.buf);
    str_init(&folded); /* other order, p= split by folding whitespace */
    str_printf(&folded, "p=%.20s \r\n\t%s ; k = ed25519 ;", p.buf, p.buf + 20);
    str_init(&other);
    str_printf(&other, "v=DKIM1; k=ed25519; p=%s", p2.buf);
    str_init(&wrongk);
    str_printf(&wrongk, "v=DKIM1; p=%s", p.buf); /* k= defaults to rsa */
    str_init(&revoked);
    str_printf(&revoked, "v=DKIM1; k=ed25519; p=");
    str_init(&sha1);
    str_printf(&sha1, "k=ed25519; h=sha1; p=%s", p.buf);

    const char *one[1];
    one[0] = match.buf;
    assert_int_equal(judge(one, 1, ed), KGCHECK_MATCH);
    one[0] = folded.buf;
    assert_int_equal(judge(one, 1, ed), KGCHECK_MATCH);
    one[0] = other.buf;
    assert_int_equal(judge(one, 1, ed), KGCHECK_DIFFERENT);
    one[0] = wrongk.buf;
    assert_int_equal(judge(one, 1, ed), KGCHECK_DIFFERENT);
    one[0] = revoked.buf;
    assert_int_equal(judge(one, 1, ed), KGCHECK_DIFFERENT);
    one[0] = sha1.buf;
    assert_int_equal(judge(one, 1, ed), KGCHECK_DIFFERENT);
    one[0] = "v=DKIM1; k=ed25519; p=!!!!";
    assert_int_equal(judge(one, 1, ed), KGCHECK_MALFORMED);
    const char *three[3] = { "garbage", other.buf, match.buf };
    assert_int_equal(judge(three, 3, ed), KGCHECK_MATCH);
    const char *two[2] = { "garbage", other.buf };
    assert_int_equal(judge(two, 2, ed), KGCHECK_DIFFERENT);

    str_free(&p);
    str_free(&p2);
    str_free(&match);
    str_free(&folded);
    str_free(&other);
    str_free(&wrongk);
    str_free(&revoked);
    str_free(&sha1);
    dkimkey_free(&ed);
    dkimkey_free(&ed2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_table),
        cmocka_unit_test(parse_refuses_nul_and_overlong),
        cmocka_unit_test(parse_refuses_too_many_tags),
        cmocka_unit_test(flags_are_found),
        cmocka_unit_test(zone_line_splits_and_joins),
        cmocka_unit_test(numbers_and_default_selector),
        cmocka_unit_test(bits_are_bounded),
        cmocka_unit_test(generated_keys_load),
        cmocka_unit_test(write_new_is_exclusive_and_private),
        cmocka_unit_test(judge_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
