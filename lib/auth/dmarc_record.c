/* dmarc_record.c - DMARC Policy Records (RFC 9989 4.7, 4.8); see dmarc_record.h. */
#include "config.h"

#include "auth/dmarc_record.h"

#include "core/mem.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static bool wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* s[0..*n) without WSP at both ends; returns the new start. */
static const char *trim(const char *s, size_t *n)
{
    while (*n > 0 && wsp(*s))
        s++, (*n)--;
    while (*n > 0 && wsp(s[*n - 1]))
        (*n)--;
    return s;
}

/* One "name = value" segment; false when it is not one (syntax error). */
static bool split_tag(const char *seg, size_t n, const char **name, size_t *nlen,
                      const char **value, size_t *vlen)
{
    size_t i = 0;

    seg = trim(seg, &n);
    while (i < n && isalpha((unsigned char)seg[i]))
        i++;
    if (i == 0)
        return false;
    *name = seg;
    *nlen = i;
    while (i < n && wsp(seg[i]))
        i++;
    if (i >= n || seg[i] != '=')
        return false;
    i++;
    *value = seg + i;
    *vlen = n - i;
    *value = trim(*value, vlen);
    if (*vlen == 0)
        return false;
    for (size_t k = 0; k < *vlen; k++) /* dmarc-value = %x20-3A / %x3C-7E */
        if ((unsigned char)(*value)[k] < 0x20 || (unsigned char)(*value)[k] > 0x7e)
            return false;
    return true;
}

bool dmarc_record_is_dmarc1(const char *txt, size_t len)
{
    const char *semi = memchr(txt, ';', len), *name, *value;
    size_t nlen, vlen;

    if (!split_tag(txt, semi ? (size_t)(semi - txt) : len, &name, &nlen, &value, &vlen))
        return false;
    return nlen == 1 && (name[0] == 'v' || name[0] == 'V') && vlen == 6 &&
           memcmp(value, "DMARC1", 6) == 0;
}

static bool word_is(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

static bool policy_of(const char *v, size_t n, dmarc_policy *p)
{
    if (word_is(v, n, "none"))
        *p = DMARC_POLICY_NONE;
    else if (word_is(v, n, "quarantine"))
        *p = DMARC_POLICY_QUARANTINE;
    else if (word_is(v, n, "reject"))
        *p = DMARC_POLICY_REJECT;
    else
        return false;
    return true;
}

/* dmarc-uri: RFC 3986 scheme ":" something, without WSP; an obsolete
 * "!size" suffix is allowed (4.8). */
static bool uri_ok(const char *s, size_t n)
{
    const char *bang = memchr(s, '!', n);
    size_t i = 0;

    if (bang != NULL)
        n = (size_t)(bang - s);
    if (n == 0 || !isalpha((unsigned char)s[0]))
        return false;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i >= n - 1 || s[i] != ':')
        return false;
    for (i++; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

static bool urilist_has_valid(const char *v, size_t n)
{
    while (n > 0) {
        const char *comma = memchr(v, ',', n);
        size_t len = comma ? (size_t)(comma - v) : n, t = len;
        const char *u = trim(v, &t);

        if (uri_ok(u, t))
            return true;
        if (comma == NULL)
            break;
        n -= len + 1;
        v = comma + 1;
    }
    return false;
}

/* The known tags: which ones were seen, to drop duplicates. */
enum { T_P, T_SP, T_NP, T_T, T_PSD, T_ADKIM, T_ASPF, T_RUA, T_RUF, T_FO, T_COUNT };
static const char *const tag_names[T_COUNT] = {"p",     "sp",   "np",  "t",   "psd",
                                               "adkim", "aspf", "rua", "ruf", "fo"};

/* Sets one tag; false when its value is not valid for it. */
static bool set_tag(dmarc_record *r, int tag, const char *v, size_t n)
{
    switch (tag) {
    case T_P:
        return r->has_p = policy_of(v, n, &r->p);
    case T_SP:
        return r->has_sp = policy_of(v, n, &r->sp);
    case T_NP:
        return r->has_np = policy_of(v, n, &r->np);
    case T_T:
        if (!word_is(v, n, "y") && !word_is(v, n, "n"))
            return false;
        r->testing = word_is(v, n, "y");
        return true;
    case T_PSD:
        if (word_is(v, n, "y"))
            r->psd = DMARC_PSD_Y;
        else if (word_is(v, n, "n"))
            r->psd = DMARC_PSD_N;
        else if (!word_is(v, n, "u"))
            return false;
        return true;
    case T_ADKIM:
    case T_ASPF:
        if (!word_is(v, n, "r") && !word_is(v, n, "s"))
            return false;
        *(tag == T_ADKIM ? &r->adkim_strict : &r->aspf_strict) = word_is(v, n, "s");
        return true;
    case T_RUA:
        r->rua = mem_strndup(v, n);
        r->rua_valid = urilist_has_valid(v, n);
        return true;
    case T_RUF:
        r->ruf = mem_strndup(v, n);
        return true;
    default:
        r->fo = mem_strndup(v, n);
        return true;
    }
}

/* A tag seen twice, or with a bad value: back to its default. */
static void drop_tag(dmarc_record *r, int tag)
{
    switch (tag) {
    case T_P:
        r->has_p = false;
        r->p_invalid = true;
        break;
    case T_SP:
        r->has_sp = false;
        r->sp_invalid = true;
        break;
    case T_NP:
        r->has_np = false;
        r->np_invalid = true;
        break;
    case T_T:
        r->testing = false;
        break;
    case T_PSD:
        r->psd = DMARC_PSD_U;
        break;
    case T_ADKIM:
        r->adkim_strict = false;
        break;
    case T_ASPF:
        r->aspf_strict = false;
        break;
    case T_RUA:
        mem_free(&r->rua);
        r->rua_valid = false;
        break;
    case T_RUF:
        mem_free(&r->ruf);
        break;
    default:
        mem_free(&r->fo);
        break;
    }
}

static void one_tag(dmarc_record *r, unsigned *seen, const char *seg, size_t n)
{
    const char *name, *value;
    size_t nlen = 0, vlen;
    int tag = -1;

    if (!split_tag(seg, n, &name, &nlen, &value, &vlen)) {
        /* a broken segment; if its name (up to WSP or "=") is a policy tag,
         * that tag is invalid (4.10.1 cares) */
        size_t k = n;
        const char *s = trim(seg, &k);

        while (nlen < k && !wsp(s[nlen]) && s[nlen] != '=')
            nlen++;
        for (int t = T_P; t <= T_NP; t++) {
            if (word_is(s, nlen, tag_names[t])) {
                seen[t]++; /* a later valid p= is then a second one */
                drop_tag(r, t);
            }
        }
        return;
    }
    for (int t = 0; t < T_COUNT; t++)
        if (word_is(name, nlen, tag_names[t]))
            tag = t;
    if (tag < 0)
        return; /* unknown (or removed: pct, rf, ri): ignored */
    if (seen[tag]++ > 0 || !set_tag(r, tag, value, vlen))
        drop_tag(r, tag);
}

int dmarc_record_parse(const char *txt, size_t len, dmarc_record *out, const char **error_r)
{
    unsigned seen[T_COUNT] = {0};
    const char *p = memchr(txt, ';', len);

    memset(out, 0, sizeof *out);
    if (!dmarc_record_is_dmarc1(txt, len)) {
        *error_r = "not a DMARC record (v=DMARC1 first)";
        return -1;
    }
    while (p != NULL) {
        const char *start = p + 1, *next = memchr(start, ';', len - (size_t)(start - txt));
        size_t n = (next ? (size_t)(next - start) : len - (size_t)(start - txt));
        size_t t = n;

        if (trim(start, &t), t > 0)
            one_tag(out, seen, start, n);
        p = next;
    }
    return 0;
}

void dmarc_record_free(dmarc_record *r)
{
    mem_free(&r->rua);
    mem_free(&r->ruf);
    mem_free(&r->fo);
}

void dmarc_record_copy(const dmarc_record *from, dmarc_record *to)
{
    *to = *from;
    to->rua = from->rua ? mem_strdup(from->rua) : NULL;
    to->ruf = from->ruf ? mem_strdup(from->ruf) : NULL;
    to->fo = from->fo ? mem_strdup(from->fo) : NULL;
}

const char *dmarc_policy_name(dmarc_policy p)
{
    static const char *const names[] = {"none", "quarantine", "reject"};

    return (unsigned)p < 3 ? names[p] : "?";
}
