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

static bool is_token(const char *s, const char *extra)
{
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c <= ' ' || c >= 0x7f)
            return false;
        if (strchr("()<>@,;:\\\"/[]?=", c) != NULL && (extra == NULL || !strchr(extra, c)))
            return false;
    }
    return true;
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
    if (is_token(authserv_id, NULL))
        str_append_cstr(out, authserv_id);
    else
        append_quoted(authserv_id, out);
}

static void property(const char *name, const char *value, str_t *out)
{
    if (value == NULL || *value == '\0')
        return;
    str_printf(out, " header.%s=", name);
    /* RFC 8601 pvalue: a token, or [local-part] "@" domain-name. */
    if (is_token(value, "@/=+"))
        str_append_cstr(out, value);
    else
        append_quoted(value, out);
}

static void comment(const char *text, str_t *out)
{
    str_append_cstr(out, " (");
    for (; *text; text++) {
        unsigned char c = (unsigned char)*text;

        if (c >= ' ' && c < 0x7f && c != '(' && c != ')' && c != '\\')
            str_append_char(out, (char)c);
    }
    str_append_char(out, ')');
}

void dkim_ar_build(const char *authserv_id, const dkim_vresult *res, size_t n, size_t skipped,
                   str_t *out)
{
    str_append_char(out, ' ');
    dkim_ar_authserv(authserv_id, out);
    if (n == 0)
        str_append_cstr(out, ";\n\tdkim=none");
    for (size_t i = 0; i < n; i++) {
        const dkim_vresult *r = &res[i];

        str_printf(out, ";\n\tdkim=%s", dkim_res_name(r->res));
        if (r->res != DKIM_RES_PASS && r->reason != NULL)
            comment(r->reason, out);
        property("d", r->d, out);
        property("i", r->i, out);
        property("a", r->a, out);
        property("s", r->s, out);
        property("b", r->b8, out);
    }
    if (skipped > 0) {
        char text[80];

        snprintf(text, sizeof text, "%zu more signature%s not evaluated", skipped,
                 skipped == 1 ? "" : "s");
        comment(text, out);
    }
}
