/*
 * dkimsign_hdrs.c - choose the header fields a DKIM signature covers
 * (wildcards, oversigning) and canonicalize them in hash order.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "dkim/dkimsign_hdrs.h"
#include "core/mem.h"

const char *const dkimsign_default_sign[] = {
    "From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID", "In-Reply-To",
    "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    "Content-ID", "Content-Description", "Sender", "List-*", "Resent-*", NULL};

const char *const dkimsign_default_oversign[] = {"From", "Subject", "To", "Cc", "Reply-To", NULL};

/* A name usable in h=: 1 to 200 printable ASCII bytes, no ':' nor ';'. */
static bool hname_ok(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len > 200)
        return false;
    for (; *s != '\0'; s++)
        if (*s <= ' ' || *s >= 0x7f || *s == ':' || *s == ';')
            return false;
    return true;
}

static bool is_wildcard(const char *pat)
{
    size_t len = strlen(pat);

    return len > 0 && pat[len - 1] == '*';
}

static bool pattern_match(const char *pat, const char *name)
{
    size_t len = strlen(pat);

    if (is_wildcard(pat))
        return strncasecmp(pat, name, len - 1) == 0;
    return strcasecmp(pat, name) == 0;
}

static bool list_match(const char *const *list, const char *name)
{
    for (; *list != NULL; list++)
        if (pattern_match(*list, name))
            return true;
    return false;
}

/* The distinct names to consider, before counting. */
typedef struct names {
    const char **v;
    size_t n;
} names_t;

static int names_add(names_t *d, const char *name, const char **error_r)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcasecmp(d->v[i], name) == 0)
            return 0;
    if (d->n >= DKIMSIGN_MAX_SIGNED) {
        *error_r = "too many header fields to sign";
        return -1;
    }
    d->v[d->n++] = name;
    return 0;
}

static int names_add_list(names_t *d, const char *const *list, const dkimsign_header_t *headers,
                          size_t nheaders, const char **error_r)
{
    for (; *list != NULL; list++) {
        if (!is_wildcard(*list)) {
            if (!hname_ok(*list)) {
                *error_r = "unusable header name in the list of headers to sign";
                return -1;
            }
            if (names_add(d, *list, error_r) < 0)
                return -1;
            continue;
        }
        for (size_t i = 0; i < nheaders; i++)
            if (pattern_match(*list, headers[i].name) && hname_ok(headers[i].name) &&
                names_add(d, headers[i].name, error_r) < 0)
                return -1;
    }
    return 0;
}

static size_t count_instances(const char *name, const dkimsign_header_t *headers, size_t nheaders)
{
    size_t n = 0;

    for (size_t i = 0; i < nheaders; i++)
        if (strcasecmp(headers[i].name, name) == 0)
            n++;
    return n;
}

int dkimsign_hlist_build(const char *const *sign, const char *const *oversign,
                         const dkimsign_header_t *headers, size_t nheaders, dkimsign_hlist_t *h,
                         const char **error_r)
{
    const char *const *over = oversign != NULL ? oversign : dkimsign_default_oversign;
    names_t d = {mem_array(DKIMSIGN_MAX_SIGNED, sizeof(char *)), 0};

    h->names = mem_array(DKIMSIGN_MAX_SIGNED, sizeof(char *));
    h->n = 0;
    if (sign == NULL)
        sign = dkimsign_default_sign;
    if (names_add_list(&d, sign, headers, nheaders, error_r) < 0 ||
        names_add_list(&d, over, headers, nheaders, error_r) < 0)
        goto fail;
    for (size_t i = 0; i < d.n; i++) {
        size_t times = count_instances(d.v[i], headers, nheaders);

        if (list_match(over, d.v[i]))
            times++;
        if (times > DKIMSIGN_MAX_SIGNED - h->n) {
            *error_r = "too many header fields to sign";
            goto fail;
        }
        while (times-- > 0)
            h->names[h->n++] = d.v[i];
    }
    mem_free(&d.v);
    return 0;
fail:
    mem_free(&d.v);
    dkimsign_hlist_free(h);
    return -1;
}

void dkimsign_hlist_canon(dkimcanon_t c, const dkimsign_hlist_t *h,
                          const dkimsign_header_t *headers, size_t nheaders, str_t *out)
{
    for (size_t k = 0; k < h->n; k++) {
        size_t used = 0;

        /* Instances of this name already taken by earlier h= entries. */
        for (size_t j = 0; j < k; j++)
            if (strcasecmp(h->names[j], h->names[k]) == 0)
                used++;
        for (size_t i = nheaders; i-- > 0;) {
            if (strcasecmp(headers[i].name, h->names[k]) != 0)
                continue;
            if (used-- > 0)
                continue;
            dkimcanon_header(c, headers[i].name, headers[i].value, strlen(headers[i].value),
                             false, out);
            break;
        }
    }
}

void dkimsign_hlist_free(dkimsign_hlist_t *h)
{
    mem_free(&h->names);
    h->n = 0;
}
