/* spf_macro.c - SPF macro strings (RFC 7208 section 7); see spf_macro.h. */
#include "config.h"

#include "auth/spf_macro.h"

#include "core/mem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* A digit transformer larger than any value can have parts. */
#define MAX_PARTS_KEPT 100000u

/* One parsed "%{...}" (or %% %_ %-). */
typedef struct token {
    char letter;            /* lower case letter; '%', '_' or '-' for the escapes */
    bool upper;             /* URL-escape the value (7.3) */
    bool reverse;           /* "r" transformer */
    unsigned keep;          /* digit transformer; 0: all parts */
    unsigned char delim[8]; /* delimiters given, NUL-terminated */
} token;

static bool is_delim(char c)
{
    return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

static bool letter_ok(char c, unsigned flags)
{
    if (strchr("slodiphv", c) != NULL)
        return true;
    return (flags & SPF_MACRO_EXP_LETTERS) && strchr("crt", c) != NULL;
}

/* Parses the token at s[*i] (s[*i] == '%'); advances *i past it. */
static int parse_token(const char *s, size_t len, size_t *i, unsigned flags, token *t,
                       const char **error_r)
{
    size_t p = *i + 1, nd = 0;
    bool digits = false;

    memset(t, 0, sizeof *t);
    if (p >= len) {
        *error_r = "'%' at the end of a macro string";
        return -1;
    }
    if (s[p] == '%' || s[p] == '_' || s[p] == '-') {
        t->letter = s[p];
        *i = p + 1;
        return 0;
    }
    if (s[p] != '{') {
        *error_r = "'%' not followed by '{', '%', '_' or '-'";
        return -1;
    }
    if (++p >= len || !isalpha((unsigned char)s[p]) ||
        !letter_ok((char)tolower((unsigned char)s[p]), flags)) {
        *error_r = p < len && strchr("crtCRT", s[p]) != NULL && s[p] != '\0'
                       ? "macro letter c, r or t outside explanation text"
                       : "bad macro letter";
        return -1;
    }
    t->letter = (char)tolower((unsigned char)s[p]);
    t->upper = isupper((unsigned char)s[p]) != 0;
    for (p++; p < len && isdigit((unsigned char)s[p]); p++) {
        digits = true;
        if (t->keep <= MAX_PARTS_KEPT)
            t->keep = t->keep * 10 + (unsigned)(s[p] - '0');
    }
    if (digits && t->keep == 0) {
        *error_r = "zero digit transformer";
        return -1;
    }
    if (t->keep > MAX_PARTS_KEPT)
        t->keep = MAX_PARTS_KEPT;
    if (p < len && (s[p] == 'r' || s[p] == 'R')) {
        t->reverse = true;
        p++;
    }
    for (; p < len && is_delim(s[p]); p++)
        if (nd < sizeof t->delim - 1 && strchr((const char *)t->delim, s[p]) == NULL)
            t->delim[nd++] = (unsigned char)s[p];
    if (p >= len || s[p] != '}') {
        *error_r = "macro not closed by '}'";
        return -1;
    }
    *i = p + 1;
    return 0;
}

static bool literal_ok(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != '%';
}

int spf_macro_check(const char *s, size_t len, unsigned flags, spf_macro_shape *shape,
                    const char **error_r)
{
    spf_macro_shape sh = {0};
    token t;

    for (size_t i = 0; i < len;) {
        if (s[i] == '%') {
            if (parse_token(s, len, &i, flags, &t, error_r) < 0)
                return -1;
            sh.ends_with_expand = true;
            sh.literal_tail = 0;
            sh.has_p |= t.letter == 'p';
            continue;
        }
        if (!literal_ok((unsigned char)s[i])) {
            *error_r = "character not allowed in a macro string";
            return -1;
        }
        sh.ends_with_expand = false;
        sh.literal_tail++;
        i++;
    }
    if (shape != NULL)
        *shape = sh;
    return 0;
}

void spf_macro_ip_dotted(const cidr_addr *ip, str_t *out)
{
    static const char hex[] = "0123456789abcdef";

    if (cidr_addr_is_v4(ip)) {
        str_printf(out, "%u.%u.%u.%u", ip->b[12], ip->b[13], ip->b[14], ip->b[15]);
        return;
    }
    for (int i = 0; i < 16; i++) {
        if (i > 0)
            str_append_char(out, '.');
        str_append_char(out, hex[ip->b[i] >> 4]);
        str_append_char(out, '.');
        str_append_char(out, hex[ip->b[i] & 0xf]);
    }
}

/* The raw value of a letter. */
static void letter_value(char letter, const spf_macro_env *env, str_t *v)
{
    char buf[INET6_ADDRSTRLEN];
    const char *p;

    switch (letter) {
    case 's':
        str_append_cstr(v, env->sender ? env->sender : "");
        break;
    case 'l':
        str_append_cstr(v, env->local ? env->local : "");
        break;
    case 'o':
        str_append_cstr(v, env->sender_domain ? env->sender_domain : "");
        break;
    case 'd':
        str_append_cstr(v, env->domain ? env->domain : "");
        break;
    case 'h':
        str_append_cstr(v, env->helo ? env->helo : "");
        break;
    case 'i':
        if (env->ip != NULL)
            spf_macro_ip_dotted(env->ip, v);
        break;
    case 'v':
        str_append_cstr(v, env->ip == NULL || cidr_addr_is_v4(env->ip) ? "in-addr" : "ip6");
        break;
    case 'p':
        p = env->validated_name != NULL ? env->validated_name(env->ctx) : NULL;
        str_append_cstr(v, p != NULL ? p : "unknown");
        break;
    case 'c':
        if (env->ip != NULL) {
            cidr_addr_format(env->ip, buf, sizeof buf);
            str_append_cstr(v, buf);
        }
        break;
    case 'r':
        str_append_cstr(v, env->receiver ? env->receiver : "unknown");
        break;
    case 't':
        str_printf(v, "%" PRIdMAX, (intmax_t)time(NULL));
        break;
    }
}

/* Split on the delimiters, reverse, keep the right-hand parts, join with '.'. */
static void transform(const token *t, const str_t *v, str_t *out)
{
    const char *delim = t->delim[0] ? (const char *)t->delim : ".";
    size_t nparts = 1, first = 0, k = 0;
    size_t *start, *end;

    for (size_t i = 0; i < v->len; i++)
        nparts += strchr(delim, v->buf[i]) != NULL && v->buf[i] != '\0';
    start = mem_array(nparts, sizeof *start);
    end = mem_array(nparts, sizeof *end);
    for (size_t i = 0; i <= v->len; i++) {
        if (i == v->len || (v->buf[i] != '\0' && strchr(delim, v->buf[i]) != NULL)) {
            end[k] = i;
            if (++k < nparts)
                start[k] = i + 1;
        }
    }
    if (t->reverse) {
        for (size_t i = 0; i < nparts / 2; i++) {
            size_t s = start[i], e = end[i];

            start[i] = start[nparts - 1 - i];
            end[i] = end[nparts - 1 - i];
            start[nparts - 1 - i] = s;
            end[nparts - 1 - i] = e;
        }
    }
    if (t->keep != 0 && t->keep < nparts)
        first = nparts - t->keep;
    for (size_t i = first; i < nparts; i++) {
        if (i > first)
            str_append_char(out, '.');
        str_append(out, v->buf + start[i], end[i] - start[i]);
    }
    mem_free(&start);
    mem_free(&end);
}

/* RFC 3986 unreserved characters stay, everything else becomes %XX. */
static void url_escape(const str_t *in, str_t *out)
{
    for (size_t i = 0; i < in->len; i++) {
        unsigned char c = (unsigned char)in->buf[i];

        if (isalnum(c) && c < 0x80)
            str_append_char(out, (char)c);
        else if (c == '-' || c == '.' || c == '_' || c == '~')
            str_append_char(out, (char)c);
        else
            str_printf(out, "%%%02X", c);
    }
}

static void expand_token(const token *t, const spf_macro_env *env, str_t *out)
{
    str_t v, w;

    switch (t->letter) {
    case '%':
        str_append_char(out, '%');
        return;
    case '_':
        str_append_char(out, ' ');
        return;
    case '-':
        str_append_cstr(out, "%20");
        return;
    }
    str_init(&v);
    str_init(&w);
    letter_value(t->letter, env, &v);
    transform(t, &v, &w);
    if (t->upper)
        url_escape(&w, out);
    else
        str_append(out, w.buf, w.len);
    str_free(&v);
    str_free(&w);
}

int spf_macro_expand(const char *s, size_t len, unsigned flags, const spf_macro_env *env,
                     str_t *out, const char **error_r)
{
    size_t start = out->len;
    token t;

    if (spf_macro_check(s, len, flags, NULL, error_r) < 0)
        return -1;
    for (size_t i = 0; i < len;) {
        if (s[i] == '%') {
            (void)parse_token(s, len, &i, flags, &t, error_r);
            expand_token(&t, env, out);
        } else {
            str_append_char(out, s[i++]);
        }
        if (out->len - start > SPF_MACRO_MAX_OUT) {
            str_truncate(out, start);
            *error_r = "macro expansion too long";
            return -1;
        }
    }
    return 0;
}
