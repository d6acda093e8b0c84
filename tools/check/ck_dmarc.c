/* ck_dmarc.c - a domain's DMARC record; see ck_dmarc.h. */
#include "config.h"

#include "ck_dmarc.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

void ck_dmarc_init(ck_dmarc *d)
{
    str_init(&d->p);
    str_init(&d->sp);
    str_init(&d->rua);
}

void ck_dmarc_free(ck_dmarc *d)
{
    str_free(&d->p);
    str_free(&d->sp);
    str_free(&d->rua);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space(**s))
        (*s)++, (*n)--;
    while (*n > 0 && is_space((*s)[*n - 1]))
        (*n)--;
}

static bool is_policy(const str_t *v)
{
    return strcasecmp(v->buf, "none") == 0 || strcasecmp(v->buf, "quarantine") == 0 ||
           strcasecmp(v->buf, "reject") == 0;
}

int ck_dmarc_parse(const char *txt, size_t len, ck_dmarc *out, const char **error_r)
{
    size_t i = 0, ntag = 0;

    str_clear(&out->p), str_clear(&out->sp), str_clear(&out->rua);
    if (len > CK_DMARC_MAX_LEN || memchr(txt, '\0', len) != NULL) {
        *error_r = "too long, or a NUL byte";
        return -1;
    }
    while (i < len) {
        const char *tag = txt + i, *semi = memchr(tag, ';', len - i), *eq;
        size_t n = semi != NULL ? (size_t)(semi - tag) : len - i, nn, vn;
        const char *v;

        i += n + 1;
        trim(&tag, &n);
        if (n == 0)
            continue;
        eq = memchr(tag, '=', n);
        if (eq == NULL) {
            *error_r = "a tag without '='";
            return -1;
        }
        nn = (size_t)(eq - tag), v = eq + 1, vn = n - nn - 1;
        trim(&tag, &nn), trim(&v, &vn);
        if (ntag++ == 0) {
            if (nn != 1 || tag[0] != 'v' || vn != 6 || strncmp(v, "DMARC1", 6) != 0) {
                *error_r = "does not start with v=DMARC1";
                return -1;
            }
            continue;
        }
        if (nn == 1 && tag[0] == 'p')
            str_clear(&out->p), str_append(&out->p, v, vn);
        else if (nn == 2 && strncmp(tag, "sp", 2) == 0)
            str_clear(&out->sp), str_append(&out->sp, v, vn);
        else if (nn == 3 && strncmp(tag, "rua", 3) == 0)
            str_clear(&out->rua), str_append(&out->rua, v, vn);
    }
    if (ntag == 0) {
        *error_r = "empty record";
        return -1;
    }
    if (out->p.len == 0 || !is_policy(&out->p)) {
        *error_r = out->p.len == 0 ? "no p= tag" : "p= is not none, quarantine or reject";
        return -1;
    }
    if (out->sp.len > 0 && !is_policy(&out->sp)) {
        *error_r = "sp= is not none, quarantine or reject";
        return -1;
    }
    return 0;
}

/* One name: the DMARC records there. */
static ck_dmarc_found at_name(const dns_resolver *r, const char *name, ck_dmarc *out, str_t *why)
{
    dns_txts t;
    dns_status st;
    ck_dmarc_found res = CK_DMARC_ABSENT;
    size_t n = 0;
    const char *err = NULL;

    memset(&t, 0, sizeof t);
    st = r->txt(r->ctx, name, &t);
    if (st == DNS_TEMPFAIL) {
        str_printf(why, "TXT lookup of %s: %s", name,
                   t.info.why && *t.info.why ? t.info.why : "failed");
        dns_txts_free(&t);
        return CK_DMARC_TEMPFAIL;
    }
    for (size_t i = 0; st == DNS_FOUND && i < t.count; i++) {
        if (t.len[i] < 8 || strncmp(t.rec[i], "v=DMARC1", 8) != 0)
            continue;
        if (n++ == 0 && ck_dmarc_parse(t.rec[i], t.len[i], out, &err) == 0)
            res = CK_DMARC_FOUND;
    }
    if (n > 1) {
        str_printf(why, "%zu DMARC records at %s (receivers ignore them all)", n, name);
        res = CK_DMARC_INVALID;
    } else if (n == 1 && res != CK_DMARC_FOUND) {
        str_printf(why, "the record at %s is invalid: %s", name, err);
        res = CK_DMARC_INVALID;
    }
    dns_txts_free(&t);
    return res;
}

ck_dmarc_found ck_dmarc_lookup(const dns_resolver *r, const char *domain, ck_dmarc *out,
                               str_t *at, str_t *why)
{
    const char *d = domain;
    str_t name;
    ck_dmarc_found res = CK_DMARC_ABSENT;

    str_init(&name);
    while (d != NULL && *d != '\0') {
        str_clear(&name);
        str_printf(&name, "_dmarc.%s", d);
        res = at_name(r, name.buf, out, why);
        if (res != CK_DMARC_ABSENT) {
            str_append(at, name.buf, name.len);
            break;
        }
        d = strchr(d, '.');
        if (d == NULL || strchr(d + 1, '.') == NULL)
            break; /* stop at two labels */
        d++;
    }
    str_free(&name);
    return res;
}
