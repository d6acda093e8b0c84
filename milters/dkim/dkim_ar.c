/* dkim_ar.c - Authentication-Results recognition and writing; see dkim_ar.h. */
#include "config.h"

#include "dkim_ar.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *skip_cfws(const char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
            s++;
        } else if (*s == '(') {
            int depth = 0;

            do {
                if (*s == '\\' && s[1] != '\0')
                    s++;
                else if (*s == '(')
                    depth++;
                else if (*s == ')')
                    depth--;
                s++;
            } while (*s != '\0' && depth > 0);
        } else {
            return s;
        }
    }
}

bool dkim_ar_is_ours(const char *value, const char *authserv_id)
{
    const char *s = skip_cfws(value);
    size_t want = strlen(authserv_id), n;
    bool ours;
    str_t q;

    if (*s != '"') {
        n = strcspn(s, " \t\r\n;(");
        return n == want && strncasecmp(s, authserv_id, n) == 0;
    }
    str_init(&q);
    for (s++; *s != '\0' && *s != '"' && q.len <= want; s++) {
        if (*s == '\\' && s[1] != '\0')
            s++;
        str_append_char(&q, *s);
    }
    ours = q.len == want && strncasecmp(q.buf, authserv_id, want) == 0;
    str_free(&q);
    return ours;
}

/* An RFC 2045 token: printable ASCII but SPACE and tspecials. */
static bool is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c) != NULL)
            return false;
    }
    return true;
}

static bool is_letdig(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 6376 domain-name: sub-domain 1*("." sub-domain), each sub-domain a
 * letter or digit, then letters, digits and hyphens, not ending in one. */
static bool is_domain_name(const char *s, size_t len)
{
    size_t labels = 0, i = 0;

    while (i < len) {
        size_t start = i;

        while (i < len && (is_letdig(s[i]) || s[i] == '-'))
            i++;
        if (i == start || !is_letdig(s[start]) || !is_letdig(s[i - 1]))
            return false;
        labels++;
        if (i < len && (s[i] != '.' || ++i == len))
            return false;
    }
    return labels >= 2;
}

/* RFC 5322 dot-atom-text. */
static bool is_dot_atom_text(const char *s, size_t len)
{
    static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
    bool after_dot = true;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (after_dot)
                return false;
            after_dot = true;
        } else if (is_letdig(s[i]) || (s[i] != '\0' && strchr(atext, s[i]) != NULL)) {
            after_dot = false;
        } else {
            return false;
        }
    }
    return len > 0 && !after_dot;
}

/* RFC 8601 pvalue written without quotes: a token, or
 * [ [ local-part ] "@" ] domain-name with a dot-atom local-part. */
static bool is_bare_pvalue(const char *s)
{
    const char *at = strrchr(s, '@');

    if (is_token(s))
        return true;
    if (at == NULL)
        return false;
    return (at == s || is_dot_atom_text(s, (size_t)(at - s))) &&
           is_domain_name(at + 1, strlen(at + 1));
}

static void append_quoted(const char *s, str_t *out)
{
    str_append_char(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < ' ' || c >= 0x7f)
            continue;
        if (c == '"' || c == '\\')
            str_append_char(out, '\\');
        str_append_char(out, (char)c);
    }
    str_append_char(out, '"');
}

void dkim_ar_authserv(const char *authserv_id, str_t *out)
{
    if (is_token(authserv_id))
        str_append_cstr(out, authserv_id);
    else
        append_quoted(authserv_id, out);
}

void dkim_ar_begin(str_t *out, const char *authserv_id)
{
    str_append_char(out, ' ');
    dkim_ar_authserv(authserv_id, out);
}

void dkim_ar_method(str_t *out, const char *method, const char *result)
{
    str_printf(out, ";\n\t%s=%s", method, result);
}

void dkim_ar_reason(str_t *out, const char *text)
{
    str_append_cstr(out, " reason=");
    append_quoted(text, out);
}

void dkim_ar_prop(str_t *out, const char *ptype, const char *property, const char *value)
{
    if (value == NULL || *value == '\0')
        return;
    str_printf(out, " %s.%s=", ptype, property);
    if (is_bare_pvalue(value))
        str_append_cstr(out, value);
    else
        append_quoted(value, out);
}

void dkim_ar_comment(str_t *out, const char *text)
{
    str_append_cstr(out, " (");
    for (; *text; text++) {
        unsigned char c = (unsigned char)*text;

        if (c >= ' ' && c < 0x7f && c != '(' && c != ')' && c != '\\')
            str_append_char(out, (char)c);
    }
    str_append_char(out, ')');
}

void dkim_ar_dkim(str_t *out, const dkim_vresult *res, size_t n, size_t skipped)
{
    if (n == 0)
        dkim_ar_method(out, "dkim", "none");
    for (size_t i = 0; i < n; i++) {
        const dkim_vresult *r = &res[i];

        dkim_ar_method(out, "dkim", dkim_res_name(r->res));
        if (r->reason != NULL)
            dkim_ar_reason(out, r->reason);
        dkim_ar_prop(out, "header", "d", r->d);
        dkim_ar_prop(out, "header", "i", r->i);
        dkim_ar_prop(out, "header", "a", r->a);
        dkim_ar_prop(out, "header", "s", r->s);
        dkim_ar_prop(out, "header", "b", r->b8);
    }
    if (skipped > 0) {
        char text[80];

        snprintf(text, sizeof text, "%zu more signature%s not evaluated", skipped,
                 skipped == 1 ? "" : "s");
        dkim_ar_comment(out, text);
    }
}

void dkim_ar_build(const char *authserv_id, const dkim_vresult *res, size_t n, size_t skipped,
                   str_t *out)
{
    dkim_ar_begin(out, authserv_id);
    dkim_ar_dkim(out, res, n, skipped);
}
