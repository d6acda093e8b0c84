/* dkim_tags.c - reading RFC 6376 tag-lists; see dkim_tags.h. */
#include "config.h"

#include "dkim_tags.h"

#include <string.h>
#include <strings.h>

static bool is_fws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One tag-spec: the name and value spans, trimmed of FWS. */
typedef struct spec {
    const char *name, *value;
    size_t nlen, vlen;
} spec;

static void trim(const char **p, size_t *len)
{
    while (*len > 0 && is_fws(**p)) {
        (*p)++;
        (*len)--;
    }
    while (*len > 0 && is_fws((*p)[*len - 1]))
        (*len)--;
}

/* The next tag-spec from *pos; false at the end of the list.  A spec with
 * no "=" has an empty value. */
static bool next_spec(const char *list, size_t len, size_t *pos, spec *sp)
{
    while (*pos < len) {
        const char *start = list + *pos;
        const char *semi = memchr(start, ';', len - *pos);
        size_t n = semi ? (size_t)(semi - start) : len - *pos;
        const char *eq = memchr(start, '=', n);

        *pos += n + (semi != NULL);
        sp->name = start;
        sp->nlen = eq ? (size_t)(eq - start) : n;
        sp->value = eq ? eq + 1 : start + n;
        sp->vlen = eq ? n - sp->nlen - 1 : 0;
        trim(&sp->name, &sp->nlen);
        trim(&sp->value, &sp->vlen);
        if (sp->nlen > 0)
            return true;
    }
    return false;
}

bool dkim_tags_duplicate(const char *list, size_t len, str_t *name)
{
    size_t pos = 0;
    spec a;

    while (next_spec(list, len, &pos, &a)) {
        size_t pos2 = pos;
        spec b;

        if (a.nlen > DKIM_TAGS_NAME_MAX)
            continue;
        while (next_spec(list, len, &pos2, &b))
            if (b.nlen == a.nlen && memcmp(a.name, b.name, a.nlen) == 0) {
                if (name != NULL)
                    str_append(name, a.name, a.nlen);
                return true;
            }
    }
    return false;
}

bool dkim_tags_value(const char *list, size_t len, const char *tag, str_t *out)
{
    size_t pos = 0, tlen = strlen(tag), start = out->len;
    bool found = false;
    spec sp;

    while (next_spec(list, len, &pos, &sp)) {
        if (sp.nlen != tlen || memcmp(sp.name, tag, tlen) != 0)
            continue;
        str_truncate(out, start); /* the last one counts */
        for (size_t i = 0; i < sp.vlen; i++)
            if (!is_fws(sp.value[i]))
                str_append_char(out, sp.value[i]);
        found = true;
    }
    return found;
}

bool dkim_tags_query_ok(const char *q)
{
    while (*q != '\0') {
        size_t n = strcspn(q, ":");
        const char *m = q;
        size_t mlen = n;

        trim(&m, &mlen);
        if (mlen == 7 && strncasecmp(m, "dns/txt", 7) == 0)
            return true;
        q += n + (q[n] == ':');
    }
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int dkim_tags_qp_decode(const char *in, size_t len, str_t *out)
{
    for (size_t i = 0; i < len; i++) {
        int hi, lo;

        if (is_fws(in[i]))
            continue;
        if (in[i] != '=') {
            str_append_char(out, in[i]);
            continue;
        }
        if (len - i < 3)
            return -1;
        hi = hexval(in[i + 1]);
        lo = hexval(in[i + 2]);
        if (hi < 0 || lo < 0)
            return -1;
        str_append_char(out, (char)(hi * 16 + lo));
        i += 2;
    }
    return 0;
}
