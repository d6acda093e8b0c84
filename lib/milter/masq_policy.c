/* masq_policy.c - the masquerading policy of one config: lib/masquerade's
 * rules filled from the "masq" and "site" sections; see masq_policy.h. */
#include "config.h"

#include "milter/masq_policy.h"

#include "core/cfg.h"
#include "core/dname.h"
#include "mail/mapfile.h"
#include "mail/masquerade.h"
#include "core/mem.h"

#include <string.h>

struct masq_policy {
    const masq_settings *s;
    masquerade_rules rules;
    char **domains; /* masq.domains followed by the lines of masq.domains_file */
    size_t ndomains;
    char *local_hosts[1];
    mapfile *generics;
};

static masquerade_lookup generics_lookup(void *ctx, const char *key, str_t *value,
                                         const char **error_r)
{
    /* Keys come lower-cased, as mapfile folds them (makemap does too). */
    const mapfile_entry *e = mapfile_lookup(ctx, key);

    if (e == NULL)
        return MASQUERADE_NOTFOUND;
    str_append_cstr(value, e->value);
    return MASQUERADE_FOUND;
}

static void add_domain(masq_policy *p, const char *d)
{
    p->domains = mem_realloc_array(p->domains, p->ndomains + 1, sizeof *p->domains);
    p->domains[p->ndomains++] = mem_strdup(d);
}

/* A map or list the settings name could not be used: one error line that
 * names the config line of key, then why. */
static void setting_error(const char *conf, const char *key, str_t *why, str_t *errors)
{
    cfg_error_at(conf, key, errors, "%s", why->buf);
    str_free(why);
}

static int load_domains(masq_policy *p, const char *conf, str_t *errors)
{
    mapfile *m;
    str_t why;
    int rc = 0;

    for (size_t i = 0; i < p->s->domains.count; i++)
        add_domain(p, p->s->domains.items[i]);
    if (p->s->domains_file == NULL)
        return 0;
    str_init(&why);
    if (mapfile_load(p->s->domains_file, MAPFILE_ALLOW_EMPTY, &m, &why) < 0) {
        setting_error(conf, "masq.domains_file", &why, errors);
        return -1;
    }
    str_free(&why);
    for (size_t i = 0; i < mapfile_count(m); i++) {
        const mapfile_entry *e = mapfile_at(m, i);
        const char *bad;

        if (dname_check(e->key, DNAME_MATCH, &bad) == 0) {
            add_domain(p, e->key);
            continue;
        }
        cfg_error_at(conf, "masq.domains_file", errors, "%s:%u: \"%s\": %s",
                     p->s->domains_file, e->line, e->key, bad);
        rc = -1;
    }
    mapfile_free(&m);
    return rc;
}

static void policy_free(masq_policy *p)
{
    for (size_t i = 0; i < p->ndomains; i++)
        mem_free(&p->domains[i]);
    mem_free(&p->domains);
    mapfile_free(&p->generics);
    mem_free(&p);
}

static masquerade_names names(const cfg_strlist *l)
{
    masquerade_names n = {.items = l->items, .count = l->count};

    return n;
}

int masq_policy_new(const masq_settings *s, const site_settings *site, const char *conf_path,
                    masq_policy **out, str_t *errors)
{
    masq_policy *p = mem_zalloc(sizeof *p);
    const char *why;
    str_t map_why;

    p->s = s;
    if (load_domains(p, conf_path, errors) < 0)
        goto fail;
    if (p->s->generics != NULL) {
        str_init(&map_why);
        if (mapfile_load(p->s->generics, 0, &p->generics, &map_why) < 0) {
            setting_error(conf_path, "masq.generics", &map_why, errors);
            goto fail;
        }
        str_free(&map_why);
        p->rules.generics = generics_lookup;
        p->rules.generics_ctx = p->generics;
    }
    p->local_hosts[0] = site->hostname;
    p->rules.as = p->s->as;
    p->rules.domains.items = p->domains;
    p->rules.domains.count = p->ndomains;
    p->rules.local_hosts.items = p->local_hosts;
    p->rules.local_hosts.count = 1;
    p->rules.hostname = site->hostname;
    p->rules.entire_domain = p->s->entire_domain;
    p->rules.always_add_domain = p->s->always_add_domain;
    p->rules.limited = p->s->limited;
    p->rules.generics_entire_domain = p->s->generics_entire_domain;
    p->rules.exposed_users = names(&p->s->exposed_users);
    p->rules.exceptions = names(&p->s->exceptions);
    p->rules.generics_domains = names(&p->s->generics_domains);
    if (masquerade_rules_check(&p->rules, &why) < 0) {
        str_printf(errors, "masq: %s\n", why);
        goto fail;
    }
    *out = p;
    return 0;
fail:
    policy_free(p);
    return -1;
}

void masq_policy_free(masq_policy **p)
{
    if (*p != NULL)
        policy_free(*p);
    *p = NULL;
}

bool masq_policy_wants_header(const masq_policy *p, const char *name)
{
    return cfg_strlist_contains(&p->s->headers, name, true) ||
           (p->s->recipients && cfg_strlist_contains(&p->s->recipient_headers, name, true));
}

static masq_result result_of(int rc, bool changed)
{
    switch (rc) {
    case MASQUERADE_OK: return changed ? MASQ_CHANGED : MASQ_UNCHANGED;
    case MASQUERADE_ERR_MALFORMED: return MASQ_MALFORMED;
    default: return MASQ_FAILED;
    }
}

masq_result masq_policy_header(const masq_policy *p, const char *value, size_t len, str_t *out,
                               const char **why)
{
    bool changed = false;
    int rc = masquerade_header(&p->rules, value, len, out, &changed, why);

    return result_of(rc, changed);
}

masq_result masq_policy_envelope(const masq_policy *p, const char *sender, size_t len, str_t *out,
                                 const char **why)
{
    bool changed = false;
    int rc = masquerade_address(&p->rules, sender, len, out, &changed, why);

    return result_of(rc, changed);
}
