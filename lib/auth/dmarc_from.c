/* dmarc_from.c - the Author Domains of a message; see dmarc_from.h. */
#include "config.h"

#include "auth/dmarc_from.h"

#include "dns/dnsname.h"
#include "core/mem.h"
#include "core/str.h"
#include "mail/addr.h"

#include <string.h>

static void note(dmarc_authors *a, const char *why)
{
    if (a->why[0] == '\0')
        a->why = why;
}

/* The usable normal form of one mailbox's domain into out; false if none. */
static bool usable_domain(const char *value, const addr_entry *e, dmarc_authors *a, str_t *out)
{
    str_t raw, ascii;
    const char *why = NULL;
    bool ok;

    if (!e->has_domain || e->is_null || e->domain_literal) {
        note(a, e->domain_literal ? "a From mailbox has a domain literal"
                                  : "a From mailbox has no domain");
        return false;
    }
    str_init(&raw);
    str_init(&ascii);
    addr_copy_domain(value, e, &raw);
    ok = dnsname_to_ascii(raw.buf, raw.len, &ascii, &why) == 0;
    if (ok)
        dnsname_normalize(ascii.buf, ascii.len, out);
    ok = ok && dnsname_well_formed(out->buf, out->len) && memchr(out->buf, '\0', out->len) == NULL;
    if (!ok)
        note(a, why != NULL ? why : "a From domain is not a DNS name");
    str_free(&raw);
    str_free(&ascii);
    return ok;
}

static void add_domain(dmarc_authors *a, const str_t *d, size_t limit)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->domain[i], d->buf) == 0)
            return;
    if (a->n >= limit) {
        a->truncated = true;
        return;
    }
    a->domain = mem_realloc_array(a->domain, a->n + 1, sizeof *a->domain);
    a->domain[a->n++] = mem_strdup(d->buf);
}

void dmarc_authors_of(const char *const *from, size_t nfrom, size_t limit, dmarc_authors *out)
{
    addr_list l;

    memset(out, 0, sizeof *out);
    out->why = "";
    out->fields = nfrom;
    addr_list_init(&l);
    for (size_t f = 0; f < nfrom; f++) {
        const char *error = NULL;

        if (from[f] == NULL || addr_parse_list(from[f], strlen(from[f]), &l, &error) < 0) {
            out->unparseable = true;
            note(out, "a From header field cannot be parsed");
            continue;
        }
        for (size_t i = 0; i < l.n; i++) {
            str_t d;

            out->mailboxes++;
            str_init(&d);
            if (usable_domain(from[f], &l.v[i], out, &d))
                add_domain(out, &d, limit);
            else
                out->unusable++;
            str_free(&d);
        }
    }
    addr_list_free(&l);
}

void dmarc_authors_free(dmarc_authors *a)
{
    for (size_t i = 0; i < a->n; i++)
        mem_free(&a->domain[i]);
    mem_free(&a->domain);
    a->n = 0;
}
