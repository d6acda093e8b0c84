/* test_dkimrec.c - unit tests of lib/dkim/dkimrec: the DKIM key record
 * parser (a table of records and what must come out, bounds), the
 * formatter and zone-file line (split into 255-byte strings that join back
 * to the record), and the verdict of published records against a key. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "dkim/dkimkey.h"
#include "dkim/dkimrec.h"

/* ---- dkimrec_parse: table of records and what must come out ---- */

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
        dkimrec rec;
        const char *err = NULL;
        int rc = dkimrec_parse(c->txt, strlen(c->txt), &rec, &err);
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
        dkimrec_free(&rec);
    }
}

static void parse_refuses_nul_and_overlong(void **state)
{
    (void)state;
    dkimrec rec;
    const char *err;
    assert_int_equal(dkimrec_parse("p=QUJD\0x", 8, &rec, &err), -1);
    size_t n = DKIMREC_MAX_LEN + 1;
    char *big = mem_alloc(n);
    memset(big, 'A', n);
    memcpy(big, "p=", 2);
    assert_int_equal(dkimrec_parse(big, n, &rec, &err), -1);
    assert_non_null(strstr(err, "too long"));
    mem_free(&big);
}

static void parse_refuses_too_many_tags(void **state)
{
    (void)state;
    str_t s;
    str_init(&s);
    for (int i = 0; i < DKIMREC_MAX_TAGS + 1; i++)
        str_printf(&s, "x%d=1; ", i);
    str_append_cstr(&s, "p=QUJD");
    dkimrec rec;
    const char *err;
    assert_int_equal(dkimrec_parse(s.buf, s.len, &rec, &err), -1);
    assert_non_null(strstr(err, "too many"));
    str_free(&s);
}

static void flags_are_found(void **state)
{
    (void)state;
    dkimrec rec;
    const char *err;
    assert_int_equal(dkimrec_parse("t = y : s; p=", 13, &rec, &err), 0);
    assert_true(dkimrec_has_flag(&rec, "y"));
    assert_true(dkimrec_has_flag(&rec, "s"));
    assert_false(dkimrec_has_flag(&rec, "x"));
    dkimrec_free(&rec);
    assert_int_equal(dkimrec_parse("t=yy; p=", 8, &rec, &err), 0);
    assert_false(dkimrec_has_flag(&rec, "y"));
    dkimrec_free(&rec);
}

/* ---- dkimrec_format / dkimrec_zone_line ---- */

/* Joins the quoted strings of a zone line, checking each is <= 255. */
static void join_quoted(const char *line, str_t *out)
{
    const char *s = strchr(line, '(');
    assert_non_null(s);
    while ((s = strchr(s, '"')) != NULL) {
        const char *e = strchr(s + 1, '"');
        assert_non_null(e);
        assert_true((size_t)(e - s - 1) <= DKIMREC_TXT_CHUNK);
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
        dkimrec_spec spec = { .k = "rsa", .p = p, .testing = i % 2, .no_subdomains = i % 3 == 0 };
        str_t one, zone, joined;
        str_init(&one);
        str_init(&zone);
        str_init(&joined);
        dkimrec_format(&spec, &one);
        dkimrec_zone_line(&spec, "sel", "example.net", &zone);
        assert_int_equal(strncmp(zone.buf, "sel._domainkey\tIN\tTXT\t( \"v=DKIM1; k=rsa; ", 40), 0);
        join_quoted(zone.buf, &joined);
        assert_string_equal(joined.buf, one.buf);
        dkimrec rec;
        const char *err;
        if (plens[i] % 4 == 0) {
            assert_int_equal(dkimrec_parse(one.buf, one.len, &rec, &err), 0);
            assert_string_equal(rec.p, p);
            assert_int_equal(dkimrec_has_flag(&rec, "y"), spec.testing);
            assert_int_equal(dkimrec_has_flag(&rec, "s"), spec.no_subdomains);
            dkimrec_free(&rec);
        }
        str_free(&one);
        str_free(&zone);
        str_free(&joined);
        mem_free(&p);
    }
}

/* ---- dkimrec_judge ---- */

static dkimkey_t *load_key(const char *name)
{
    str_t path, why;
    dkimkey_t *key = NULL;
    str_init(&path);
    str_init(&why);
    str_printf(&path, "%s/%s", DKIM_TEST_DATA, name);
    if (dkimkey_load_file(path.buf, false, &key, &why) < 0)
        fail_msg("%s", why.buf);
    str_free(&path);
    str_free(&why);
    return key;
}

static dkimrec_verdict judge(const char *const *txt, size_t n, const dkimkey_t *key,
                             str_t *msg)
{
    size_t len[4];
    for (size_t i = 0; i < n; i++)
        len[i] = strlen(txt[i]);
    str_clear(msg);
    return dkimrec_judge(txt, len, n, key, msg);
}

static void judge_verdicts(void **state)
{
    (void)state;
    dkimkey_t *ed = load_key("ed25519-pkcs8.pem");
    dkimkey_t *ed2 = load_key("ed25519-dknewkey.key");
    dkimkey_t *rsa = load_key("rsa1024.pem");
    str_t p, p2, prsa, match, folded, other, wrongk, revoked, sha1, rsarec, msg;
    const char *err;
    str_init(&p), str_init(&p2), str_init(&prsa), str_init(&msg);
    assert_int_equal(dkimkey_public_dns(ed, &p, &err), 0);
    assert_int_equal(dkimkey_public_dns(ed2, &p2, &err), 0);
    assert_int_equal(dkimkey_public_dns(rsa, &prsa, &err), 0);
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
    str_init(&rsarec); /* k= absent means rsa */
    str_printf(&rsarec, "v=DKIM1; p=%s", prsa.buf);

    const char *one[1];
    one[0] = match.buf;
    assert_int_equal(judge(one, 1, ed, &msg), DKIMREC_MATCH);
    assert_string_equal(msg.buf, "record matches the key file\n");
    one[0] = folded.buf;
    assert_int_equal(judge(one, 1, ed, &msg), DKIMREC_MATCH);
    one[0] = rsarec.buf;
    assert_int_equal(judge(one, 1, rsa, &msg), DKIMREC_MATCH);
    one[0] = other.buf;
    assert_int_equal(judge(one, 1, ed, &msg), DKIMREC_DIFFERENT);
    assert_non_null(strstr(msg.buf, "different public key"));
    one[0] = wrongk.buf;
    assert_int_equal(judge(one, 1, ed, &msg), DKIMREC_DIFFERENT);
    one[0] = revoked.buf;
    assert_int_equal(judge(one, 1, ed, &msg), DKIMREC_DIFFERENT);
    assert_non_null(strstr(msg.buf, "revoked"));
    one[0] = sha1.buf;
    assert_int_equal(judge(one, 1, ed, &msg), DKIMREC_DIFFERENT);
    one[0] = "v=DKIM1; k=ed25519; p=!!!!\x01";
    assert_int_equal(judge(one, 1, ed, &msg), DKIMREC_MALFORMED);
    assert_null(strchr(msg.buf, '\x01')); /* untrusted text made printable */
    const char *three[3] = { "garbage", other.buf, match.buf };
    assert_int_equal(judge(three, 3, ed, &msg), DKIMREC_MATCH);
    assert_non_null(strstr(msg.buf, "3 TXT records"));
    const char *two[2] = { "garbage", other.buf };
    assert_int_equal(judge(two, 2, ed, &msg), DKIMREC_DIFFERENT);

    str_free(&p), str_free(&p2), str_free(&prsa), str_free(&msg);
    str_free(&match), str_free(&folded), str_free(&other), str_free(&wrongk);
    str_free(&revoked), str_free(&sha1), str_free(&rsarec);
    dkimkey_free(&ed);
    dkimkey_free(&ed2);
    dkimkey_free(&rsa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_table),
        cmocka_unit_test(parse_refuses_nul_and_overlong),
        cmocka_unit_test(parse_refuses_too_many_tags),
        cmocka_unit_test(flags_are_found),
        cmocka_unit_test(zone_line_splits_and_joins),
        cmocka_unit_test(judge_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
