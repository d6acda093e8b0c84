/*
 * fuzz_ar.c - libFuzzer target over milters/dkim/dkim_ar: recognising our
 * Authentication-Results headers, and writing ours from verify results
 * whose d=, i=, a=, s=, b= come from the (hostile) signature.  The input is
 * a selector byte, then NUL-separated: authserv-id, a header value, d, i,
 * a, s, b, reason.  Invariants checked (abort on violation):
 *   - dkim_ar_is_ours ignores ASCII case, skips a leading comment, and is
 *     true for " ID;" (as dkim_ar_authserv writes ID) followed by anything;
 *   - the built header has no byte >= 0x7f and no control byte but the
 *     "\n\t" folds, and parses back strictly: the authserv-id, one dkim=
 *     per result with its name, the reason as a quoted-string, each
 *     non-empty property once in order d i a s b, the skipped comment; a
 *     property value is bare only when it is an RFC 2045 token or
 *     "[local-part]@domain-name" (RFC 8601 pvalue), else quoted; the
 *     unquoted id, reason and property values equal the input with
 *     control/non-ASCII bytes dropped (so no value can inject a result);
 *   - dkim_ar_is_ours(built, that id) is true.
 */
#include "config.h"

#include "fuzz.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_ar.h"
#include "core/mem.h"
#include "core/str.h"

enum { ID, VALUE, D, I, A, S, B, REASON, NFIELDS };

/* s without control and non-ASCII bytes, as the writer drops them. */
static void printable(const char *s, str_t *out)
{
    str_clear(out);
    for (; *s; s++)
        if ((unsigned char)*s >= ' ' && (unsigned char)*s < 0x7f)
            str_append_char(out, *s);
}

static void expect(const char **p, const char *lit)
{
    CHECK(strncmp(*p, lit, strlen(lit)) == 0);
    *p += strlen(lit);
}

/* Whether s[0..n) is atoms of the characters in ok joined by single dots. */
static bool dotted(const char *s, size_t n, const char *ok)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.' ? s[i + 1] == '.' : !(isalnum((unsigned char)s[i]) || strchr(ok, s[i])))
            return false;
    return true;
}

/* A bare RFC 8601 pvalue at s: a token, or [dot-atom-text] "@" and a domain
 * name of two labels or more; returns its length. */
static size_t bare_pvalue(const char *s)
{
    size_t n = strcspn(s, " ;\n");
    const char *at = memchr(s, '@', n);

    if (at == NULL) { /* a token */
        for (size_t i = 0; i < n; i++)
            CHECK((unsigned char)s[i] > ' ' && (unsigned char)s[i] < 0x7f &&
                  strchr("()<>@,;:\\\"/[]?=", s[i]) == NULL);
        CHECK(n > 0);
        return n;
    }
    CHECK(at == s || dotted(s, (size_t)(at - s), "!#$%&'*+-/=?^_`{|}~"));
    CHECK(dotted(at + 1, n - (size_t)(at + 1 - s), "-") &&
          memchr(at + 1, '.', n - (size_t)(at + 1 - s)) != NULL);
    for (const char *d = at + 1; d < s + n; d++) /* labels neither begin nor end in '-' */
        CHECK(*d != '-' || (d[-1] != '.' && d[-1] != '@' && d + 1 < s + n && d[1] != '.'));
    return n;
}

/* A token (RFC 2045, but for the characters in extra) or a quoted-string
 * at *p, whose text is want without control and non-ASCII bytes. */
static void value(const char **p, const char *extra, const char *want)
{
    const char *s = *p;
    bool quoted = *s == '"';

    for (s += quoted;; s++) {
        while (*want && ((unsigned char)*want < ' ' || (unsigned char)*want >= 0x7f))
            want++;
        if (quoted ? *s == '"'
                   : *s <= ' ' || (strchr("()<>@,;:\\\"/[]?=", *s) && !strchr(extra, *s)))
            break;
        if (quoted && *s == '\\')
            CHECK(*++s == '"' || *s == '\\');
        CHECK(*s != '\0' && *s == *want++);
    }
    CHECK(*want == '\0' && (quoted || s > *p));
    *p = s + quoted;
}

/* " (text)" with the characters the writer keeps. */
static void comment(const char **p)
{
    expect(p, " (");
    *p += strcspn(*p, "()\\");
    expect(p, ")");
}

static void check_built(const char *h, const char *id, const dkim_vresult *res, size_t n,
                        size_t skipped)
{
    static const char *const names[] = {
        " header.d=", " header.i=", " header.a=", " header.s=", " header.b="};

    for (const char *c = h; *c; c++) {
        unsigned char u = (unsigned char)*c;

        CHECK(u < 0x7f &&
              (u >= ' ' || (u == '\n' && c[1] == '\t') || (u == '\t' && c > h && c[-1] == '\n')));
    }
    expect(&h, " ");
    value(&h, "", id);
    if (n == 0)
        expect(&h, ";\n\tdkim=none");
    for (size_t i = 0; i < n; i++) {
        const char *props[] = {res[i].d, res[i].i, res[i].a, res[i].s, res[i].b8};

        expect(&h, ";\n\tdkim=");
        expect(&h, dkim_res_name(res[i].res));
        if (res[i].reason != NULL) {
            expect(&h, " reason=");
            CHECK(*h == '"');
            value(&h, "", res[i].reason);
        }
        for (size_t k = 0; k < 5; k++) {
            size_t len;

            if (props[k] == NULL || *props[k] == '\0')
                continue;
            expect(&h, names[k]);
            if (*h == '"') {
                value(&h, "", props[k]);
                continue;
            }
            len = bare_pvalue(h);
            CHECK(len == strlen(props[k]) && strncmp(h, props[k], len) == 0);
            h += len;
        }
    }
    if (skipped > 0)
        comment(&h);
    CHECK(*h == '\0');
}

static void check_is_ours(const char *hv, const char *id)
{
    str_t up, v;
    bool ours = dkim_ar_is_ours(hv, id);

    str_init(&up);
    str_init(&v);
    for (const char *c = id; *c; c++)
        str_append_char(&up, (char)toupper((unsigned char)*c));
    CHECK(dkim_ar_is_ours(hv, up.buf) == ours);
    str_printf(&v, "(a (nested \\) comment)) \t%s", hv);
    CHECK(dkim_ar_is_ours(v.buf, id) == ours);
    str_clear(&v);
    str_append_char(&v, ' ');
    dkim_ar_authserv(id, &v);
    str_printf(&v, ";%s", hv);
    printable(id, &up);
    CHECK(dkim_ar_is_ours(v.buf, up.buf));
    str_free(&up);
    str_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, *f[NFIELDS] = {0};
    dkim_vresult res[2];
    size_t n, skipped, pos = 1;
    str_t h, id;

    if (size < 1)
        return 0;
    text = mem_alloc(size + 1); /* a NUL after the last field */
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t k = 0; k < NFIELDS && pos <= size; k++) {
        f[k] = text + pos;
        pos += strlen(f[k]) + 1;
    }
    f[ID] = f[ID] ? f[ID] : "mail.example.net";
    f[VALUE] = f[VALUE] ? f[VALUE] : "";
    check_is_ours(f[VALUE], f[ID]);
    /* clang-format off */
    res[0] = (dkim_vresult){.res = (dkim_res)(data[0] % 7), .d = f[D], .i = f[I], .a = f[A],
                            .s = f[S], .b8 = f[B], .reason = f[REASON]};
    res[1] = (dkim_vresult){.res = (dkim_res)((data[0] >> 3) % 7), .d = f[S], .i = f[VALUE],
                            .s = f[D], .b8 = f[ID], .reason = "no key"};
    /* clang-format on */
    n = (data[0] >> 6) % 3;
    skipped = (data[0] & 0x20) ? data[0] & 7 : 0;
    str_init(&h);
    str_init(&id);
    dkim_ar_build(f[ID], res, n, skipped, &h);
    check_built(h.buf, f[ID], res, n, skipped);
    printable(f[ID], &id);
    CHECK(dkim_ar_is_ours(h.buf, id.buf));
    str_free(&h);
    str_free(&id);
    mem_free(&text);
    return 0;
}
