/* spf_record.c - SPF record syntax (RFC 7208); see spf_record.h. */
#include "config.h"

#include "auth/spf_record.h"

#include "auth/spf_macro.h"
#include "core/mem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const mech_names[] = {"all", "include", "a",   "mx",
                                         "ptr", "ip4",     "ip6", "exists"};

bool spf_record_is_spf1(const char *txt, size_t len)
{
    return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 && (len == 6 || txt[6] == ' ');
}

static bool same_word(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool toplabel_ok(const char *s, size_t n)
{
    bool alpha = false, dash = false;

    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '-')
            dash = true;
        else if (c < 0x80 && isalpha(c))
            alpha = true;
        else if (!(c < 0x80 && isdigit(c)))
            return false;
    }
    if (!dash)
        return alpha;
    return s[0] != '-' && s[n - 1] != '-';
}

/* domain-spec = macro-string domain-end;
 * domain-end  = ( "." toplabel [ "." ] ) / macro-expand */
static int domain_spec_ok(const char *s, size_t n, const char **error_r)
{
    spf_macro_shape shape;
    const char *tail, *dot;
    size_t tlen;

    if (n == 0) {
        *error_r = "empty domain-spec";
        return -1;
    }
    if (spf_macro_check(s, n, 0, &shape, error_r) < 0)
        return -1;
    if (shape.ends_with_expand)
        return 0;
    tlen = shape.literal_tail;
    tail = s + n - tlen;
    if (tlen > 0 && tail[tlen - 1] == '.')
        tlen--;
    dot = tlen > 0 ? memrchr(tail, '.', tlen) : NULL;
    if (dot == NULL || !toplabel_ok(dot + 1, (size_t)(tail + tlen - (dot + 1)))) {
        *error_r = "domain-spec does not end in a macro or a valid top label";
        return -1;
    }
    return 0;
}

/* A prefix length "/" ( "0" / %x31-39 *DIGIT ) at the end of s[0..*n):
 * stores it, shortens *n; false when there is none (or it is malformed). */
static bool strip_prefix_len(const char *s, size_t *n, unsigned max, unsigned *value, bool *too_big)
{
    size_t i = *n, digits;
    unsigned v = 0;

    while (i > 0 && isdigit((unsigned char)s[i - 1]))
        i--;
    digits = *n - i;
    if (digits == 0 || i == 0 || s[i - 1] != '/' || digits > 3 || (digits > 1 && s[i] == '0'))
        return false;
    for (size_t k = i; k < *n; k++)
        v = v * 10 + (unsigned)(s[k] - '0');
    *too_big = v > max;
    *value = v;
    *n = i - 1;
    return true;
}

/* ip4-network: four decimal octets without leading zeros. */
static bool ip4_parse(const char *s, size_t n, cidr_addr *a)
{
    size_t i = 0;

    memset(a, 0, sizeof *a);
    a->b[10] = a->b[11] = 0xff;
    for (int part = 0; part < 4; part++) {
        size_t start = i;
        unsigned v = 0;

        while (i < n && isdigit((unsigned char)s[i]) && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
            return false;
        a->b[12 + part] = (unsigned char)v;
        if (part < 3) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
    }
    return i == n;
}

static bool ip6_parse(const char *s, size_t n, cidr_addr *a)
{
    char buf[64];

    if (n == 0 || n >= sizeof buf || memchr(s, '\0', n) != NULL)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return inet_pton(AF_INET6, buf, a->b) == 1;
}

static void clear_host_bits(cidr *c)
{
    for (unsigned i = c->bits; i < 128; i++)
        c->addr.b[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
}

/* ip4 / ip6: ":" network [ "/" length ] */
static int parse_ip(spf_term *t, const char *rest, size_t n, const char **error_r)
{
    bool v4 = t->mech == SPF_MECH_IP4, too_big = false;
    unsigned len = v4 ? 32 : 128;

    if (n == 0 || rest[0] != ':') {
        *error_r = v4 ? "ip4 without ':' network" : "ip6 without ':' network";
        return -1;
    }
    rest++;
    n--;
    if (strip_prefix_len(rest, &n, v4 ? 32 : 128, &len, &too_big) && too_big) {
        *error_r = "prefix length out of range";
        return -1;
    }
    if (v4 ? !ip4_parse(rest, n, &t->net.addr) : !ip6_parse(rest, n, &t->net.addr)) {
        *error_r = v4 ? "bad ip4 network" : "bad ip6 network";
        return -1;
    }
    t->net.bits = v4 ? 96 + len : len;
    clear_host_bits(&t->net);
    return 0;
}

/* a / mx: [ ":" domain-spec ] [ "/" ip4-len ] [ "//" ip6-len ] */
static int parse_a_mx(spf_term *t, const char *rest, size_t n, const char **error_r)
{
    bool too_big = false;
    unsigned v;

    t->cidr4 = 32;
    t->cidr6 = 128;
    if (n >= 2 && strip_prefix_len(rest, &n, 128, &v, &too_big)) {
        if (n > 0 && rest[n - 1] == '/') { /* "//" ip6-cidr-length */
            n--;
            t->cidr6 = v;
            if (too_big) {
                *error_r = "ip6 prefix length out of range";
                return -1;
            }
            if (strip_prefix_len(rest, &n, 32, &t->cidr4, &too_big) && too_big) {
                *error_r = "ip4 prefix length out of range";
                return -1;
            }
        } else {
            t->cidr4 = v;
            if (v > 32) {
                *error_r = "ip4 prefix length out of range";
                return -1;
            }
        }
    }
    if (n == 0)
        return 0;
    if (rest[0] != ':') {
        *error_r = "malformed mechanism";
        return -1;
    }
    t->domain = (spf_span){rest + 1, n - 1};
    return domain_spec_ok(rest + 1, n - 1, error_r);
}

static int parse_mechanism(spf_term *t, const char *body, size_t n, const char **error_r)
{
    size_t name = 0;
    const char *rest;
    size_t rlen;

    while (name < n && isalnum((unsigned char)body[name]))
        name++;
    rest = body + name;
    rlen = n - name;
    for (size_t m = 0; m < sizeof mech_names / sizeof mech_names[0]; m++) {
        if (!same_word(body, name, mech_names[m]))
            continue;
        t->mech = (spf_mech)m;
        switch (t->mech) {
        case SPF_MECH_ALL:
            if (rlen == 0)
                return 0;
            *error_r = "'all' takes no argument";
            return -1;
        case SPF_MECH_INCLUDE:
        case SPF_MECH_EXISTS:
            if (rlen == 0 || rest[0] != ':') {
                *error_r = "mechanism needs ':' domain-spec";
                return -1;
            }
            t->domain = (spf_span){rest + 1, rlen - 1};
            return domain_spec_ok(rest + 1, rlen - 1, error_r);
        case SPF_MECH_PTR:
            if (rlen == 0)
                return 0;
            if (rest[0] != ':') {
                *error_r = "malformed ptr mechanism";
                return -1;
            }
            t->domain = (spf_span){rest + 1, rlen - 1};
            return domain_spec_ok(rest + 1, rlen - 1, error_r);
        case SPF_MECH_A:
        case SPF_MECH_MX:
            return parse_a_mx(t, rest, rlen, error_r);
        case SPF_MECH_IP4:
        case SPF_MECH_IP6:
            return parse_ip(t, rest, rlen, error_r);
        }
    }
    *error_r = "unknown mechanism";
    return -1;
}

/* name "=" value, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ):
 * the length of name when term is a modifier, else 0. */
static size_t modifier_name(const char *s, size_t n)
{
    size_t i = 0;

    if (n == 0 || !isalpha((unsigned char)s[0]))
        return 0;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
        i++;
    return i < n && s[i] == '=' ? i : 0;
}

static int parse_modifier(spf_record *r, const char *s, size_t n, size_t name, const char **error_r)
{
    const char *value = s + name + 1;
    size_t vlen = n - name - 1;
    spf_span *slot = NULL;

    if (same_word(s, name, "redirect"))
        slot = &r->redirect;
    else if (same_word(s, name, "exp"))
        slot = &r->exp;
    if (slot == NULL) /* unknown-modifier = name "=" macro-string (ignored) */
        return spf_macro_check(value, vlen, SPF_MACRO_EXP_LETTERS, NULL, error_r);
    if (slot->p != NULL) {
        *error_r = slot == &r->redirect ? "redirect= given twice" : "exp= given twice";
        return -1;
    }
    *slot = (spf_span){value, vlen};
    return domain_spec_ok(value, vlen, error_r);
}

static int parse_term(spf_record *r, const char *s, size_t n, const char **error_r)
{
    size_t name = modifier_name(s, n);
    spf_term t = {.qualifier = '+', .text = {s, n}};

    if (name > 0)
        return parse_modifier(r, s, n, name, error_r);
    if (s[0] != '\0' && strchr("+-?~", s[0]) != NULL) {
        t.qualifier = s[0];
        s++;
        n--;
    }
    if (parse_mechanism(&t, s, n, error_r) < 0)
        return -1;
    if (r->nterms == SPF_RECORD_MAX_TERMS) {
        *error_r = "too many terms";
        return -1;
    }
    r->terms = mem_realloc_array(r->terms, r->nterms + 1, sizeof *r->terms);
    r->terms[r->nterms++] = t;
    return 0;
}

int spf_record_parse(const char *txt, size_t len, spf_record *out, spf_span *bad_term,
                     const char **error_r)
{
    size_t i = 6;

    memset(out, 0, sizeof *out);
    if (bad_term != NULL)
        *bad_term = (spf_span){NULL, 0};
    if (!spf_record_is_spf1(txt, len)) {
        *error_r = "not an SPF record (v=spf1)";
        return -1;
    }
    while (i < len) {
        size_t start;

        if (txt[i] == ' ') {
            i++;
            continue;
        }
        start = i;
        while (i < len && txt[i] != ' ')
            i++;
        if (parse_term(out, txt + start, i - start, error_r) < 0) {
            if (bad_term != NULL)
                *bad_term = (spf_span){txt + start, i - start};
            return -1;
        }
    }
    return 0;
}

void spf_record_free(spf_record *r)
{
    mem_free(&r->terms);
    r->nterms = 0;
}
