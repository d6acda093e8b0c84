/* crosscheck.c - domain names that disagree between sections; see
 * crosscheck.h. */
#include "config.h"

#include "milter/crosscheck.h"

#include "core/cfg.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Most key domains named in one warning. */
#define CROSSCHECK_MAX_LISTED 5

static size_t without_dot(const char *d)
{
    size_t n = strlen(d);

    return n > 0 && d[n - 1] == '.' ? n - 1 : n;
}

/* Is d equal to parent, or (sub) below it? */
static bool within(const char *d, const char *parent, bool sub)
{
    size_t n = without_dot(d), m = without_dot(parent);

    if (m == 0 || n < m || strncasecmp(d + n - m, parent, m) != 0)
        return false;
    return n == m || (sub && d[n - m - 1] == '.');
}

static bool signed_by_keys(const crosscheck_keys *k, const char *d)
{
    for (size_t i = 0; i < k->count; i++)
        if (within(d, k->domains[i], k->sign_subdomains))
            return true;
    return false;
}

/* The key domains, for a message: "example.net, example.org" or "none". */
static void list_keys(const crosscheck_keys *k, str_t *out)
{
    size_t shown = 0;

    for (size_t i = 0; i < k->count && shown < CROSSCHECK_MAX_LISTED; i++) {
        bool seen = false;

        for (size_t j = 0; j < i && !seen; j++)
            seen = within(k->domains[i], k->domains[j], false);
        if (seen)
            continue;
        str_printf(out, "%s%s", shown ? ", " : "", k->domains[i]);
        shown++;
    }
    if (shown == 0)
        str_append_cstr(out, "none");
}

static void unsigned_domain(const char *path, const char *key, const char *d,
                            const crosscheck_keys *k, const char *what, str_t *warnings)
{
    str_t keys;

    str_init(&keys);
    list_keys(k, &keys);
    cfg_where(path, key, warnings);
    str_printf(warnings,
               "warning: no dkim key signs \"%s\" (dkim.keys has: %s): %s leaves unsigned\n",
               d, keys.buf, what);
    str_free(&keys);
}

/* The domains this site sends as. */
typedef struct senders {
    const char *fixed[3]; /* site.domain, site.hostname, masq.as */
    cfg_strlist local, relay;
} senders;

static bool related(const char *a, const char *b)
{
    return b != NULL && (within(a, b, true) || within(b, a, true));
}

static bool sends_as(const senders *s, const char *d)
{
    for (size_t i = 0; i < sizeof s->fixed / sizeof s->fixed[0]; i++)
        if (related(d, s->fixed[i]))
            return true;
    for (size_t i = 0; i < s->local.count; i++)
        if (related(d, s->local.items[i]))
            return true;
    for (size_t i = 0; i < s->relay.count; i++)
        if (related(d, s->relay.items[i]))
            return true;
    return false;
}

static void foreign_keys(const char *path, const senders *s, const crosscheck_keys *k,
                         str_t *warnings)
{
    for (size_t i = 0; i < k->count; i++) {
        bool seen = false;
        char key[64];

        for (size_t j = 0; j < i && !seen; j++)
            seen = within(k->domains[i], k->domains[j], false);
        if (seen || sends_as(s, k->domains[i]))
            continue;
        if ((size_t)snprintf(key, sizeof key, "dkim.keys.[%zu].domain", i) >= sizeof key)
            continue; /* cannot happen: at most 20 digits */
        cfg_where(path, key, warnings);
        str_printf(warnings,
                   "warning: \"%s\" is none of the domains this site sends as (site.domain, "
                   "site.hostname, masq.as, relay.local_domains, relay.relay_domains): a "
                   "typo?\n",
                   k->domains[i]);
    }
}

void crosscheck_signing(const char *path, const site_settings *site, const crosscheck_keys *keys,
                        str_t *warnings)
{
    senders s = {.fixed = {site->domain, site->hostname, NULL}};
    cfg_strlist as;

    if (cfg_peek_strlist(path, "masq.as", &as) == 0 && as.count == 1)
        s.fixed[2] = as.items[0];
    (void)cfg_peek_strlist(path, "relay.local_domains", &s.local);
    (void)cfg_peek_strlist(path, "relay.relay_domains", &s.relay);
    if (s.fixed[2] != NULL && !signed_by_keys(keys, s.fixed[2]))
        unsigned_domain(path, "masq.as", s.fixed[2], keys,
                        "trusted mail, masqueraded to it,", warnings);
    if (site->domain != NULL && !signed_by_keys(keys, site->domain) &&
        !(s.fixed[2] != NULL && within(site->domain, s.fixed[2], false)))
        unsigned_domain(path, "site.domain", site->domain, keys, "trusted mail from it",
                        warnings);
    foreign_keys(path, &s, keys, warnings);
    cfg_strlist_free(&as);
    cfg_strlist_free(&s.local);
    cfg_strlist_free(&s.relay);
}
