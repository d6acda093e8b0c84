/* dkim_policy.c - keys, lists, masquerade rules and key source of one
 * config; see dkim_policy.h. */
#include "config.h"

#include "dkim_policy.h"

#include "core/cfg.h"
#include "milter/crosscheck.h"
#include "milter/masq_policy.h"
#include "milter/masq_settings.h"
#include "core/log.h"
#include "mail/mapfile.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct dkim_policy {
    const dkim_settings *s;
    const site_settings *site;
    dkim_signer *signers;
    size_t nsigners;
    const char **sign, **oversign; /* NULL-terminated, strings owned by s */
    dkimcanon_t hc, bc;
    bool has_masq;
    masq_settings masq;
    masq_policy *masq_policy;
    dkim_verifier *verifier;
    mapfile *keyfile; /* key_source file, or NULL for DNS */
    pthread_mutex_t dns_lock;
    dns *dns;
    dns_resolver resolver; /* of dns, once made */
    bool dns_failed;
};

static const char **strlist_array(const cfg_strlist *l)
{
    const char **a = mem_array(l->count + 1, sizeof *a);

    for (size_t i = 0; i < l->count; i++)
        a[i] = l->items[i];
    return a;
}

static int load_keys(dkim_policy *p, const char *conf, str_t *errors)
{
    char key[64];

    const dkim_key_settings *ks = p->s->keys.items;
    dkimkey_reader_t reader;
    str_t reader_why;
    int rc = 0, have_reader = -1;

    /* Judged for the account the daemon reads keys as after it dropped
     * privileges, so that -n, the start and a reload agree. */
    str_init(&reader_why);
    if (p->s->check_key_permissions && p->s->keys.count > 0)
        have_reader = dkimkey_reader_for(p->site->user, p->site->group, &reader, &reader_why);
    p->signers = mem_array(p->s->keys.count ? p->s->keys.count : 1, sizeof *p->signers);
    for (size_t i = 0; i < p->s->keys.count; i++) {
        dkim_signer *g = &p->signers[p->nsigners];
        str_t why;

        str_init(&why);
        snprintf(key, sizeof key, "dkim.keys.[%zu].key", i);
        if (p->s->check_key_permissions && have_reader < 0) {
            cfg_error_at(conf, key, errors, "%s/%s: %s: cannot judge the key file: %s",
                         ks[i].domain, ks[i].selector, ks[i].key, reader_why.buf);
            rc = -1;
        } else if (dkimkey_load_file(ks[i].key, have_reader == 0 ? &reader : NULL, &g->key,
                                     &why) < 0) {
            cfg_error_at(conf, key, errors, "%s/%s: %s", ks[i].domain, ks[i].selector, why.buf);
            rc = -1;
        } else if (ks[i].algorithm != NULL &&
                   strcmp(ks[i].algorithm, dkimkey_type_name(g->key)) != 0) {
            snprintf(key, sizeof key, "dkim.keys.[%zu].algorithm", i);
            cfg_error_at(conf, key, errors, "%s/%s: algorithm is %s but %s holds a %s key",
                         ks[i].domain, ks[i].selector, ks[i].algorithm, ks[i].key,
                         dkimkey_type_name(g->key));
            dkimkey_free(&g->key);
            rc = -1;
        } else {
            g->domain = ks[i].domain;
            g->selector = ks[i].selector;
            p->nsigners++;
        }
        str_free(&why);
    }
    if (have_reader == 0)
        dkimkey_reader_free(&reader);
    str_free(&reader_why);
    return rc;
}

/* The "masq" section, read from the same file with masq's own schema. */
static int load_masq(dkim_policy *p, const daemon_conf *c, str_t *errors)
{
    cfg_section sec[8];
    size_t n = 0;

    if (!p->s->masquerade_before_signing)
        return 0;
    if (site_section_count > sizeof sec / sizeof sec[0])
        panic("dkim: too many config sections");
    for (unsigned i = 0; i < site_section_count; i++) {
        const char *name = site_section_names[i];

        sec[n++] = strcmp(name, "masq") == 0
                       ? (cfg_section){.name = name, .schema = &masq_schema, .obj = &p->masq}
                       : (cfg_section){.name = name};
    }
    if (cfg_load(c->path, sec, n, errors) < 0)
        return -1;
    if (p->masq.as == NULL && p->masq.generics == NULL && !p->masq.always_add_domain) {
        cfg_free(&masq_schema, &p->masq); /* no masq section: no rewrite */
        return 0;
    }
    if (masq_policy_new(&p->masq, p->site, c->path, &p->masq_policy, errors) < 0) {
        cfg_free(&masq_schema, &p->masq);
        return -1;
    }
    p->has_masq = true;
    return 0;
}

static void policy_free(dkim_policy *p)
{
    for (size_t i = 0; i < p->nsigners; i++)
        dkimkey_free(&p->signers[i].key);
    mem_free(&p->signers);
    mem_free(&p->sign);
    mem_free(&p->oversign);
    if (p->has_masq) {
        masq_policy_free(&p->masq_policy);
        cfg_free(&masq_schema, &p->masq);
    }
    dkim_verifier_free(&p->verifier);
    mapfile_free(&p->keyfile);
    if (p->dns != NULL)
        dns_free(&p->dns);
    pthread_mutex_destroy(&p->dns_lock);
    mem_free(&p);
}

static void parse_canon(dkim_policy *p)
{
    const char *c = p->s->canonicalization;
    const char *slash = strchr(c, '/');

    p->hc = strncmp(c, "simple", (size_t)(slash - c)) == 0 ? DKIMCANON_SIMPLE
                                                             : DKIMCANON_RELAXED;
    (void)dkimcanon_from_name(slash + 1, &p->bc); /* checked by the schema */
}

/* Warnings about keys and the domains mail leaves as (crosscheck.h). */
static void cross_check(const dkim_policy *p, daemon_conf *c)
{
    const dkim_key_settings *ks = p->s->keys.items;
    const char **domains = mem_array(p->s->keys.count + 1, sizeof *domains);
    crosscheck_keys k = {.domains = domains, .count = p->s->keys.count,
                         .sign_subdomains = p->s->sign_subdomains};

    for (size_t i = 0; i < p->s->keys.count; i++)
        domains[i] = ks[i].domain;
    crosscheck_signing(c->path, &c->site, &k, &c->warnings);
    mem_free(&domains);
}

int dkim_policy_prepare(daemon_conf *c, str_t *errors)
{
    dkim_policy *p = mem_zalloc(sizeof *p);
    int rc = 0;

    pthread_mutex_init(&p->dns_lock, NULL);
    p->s = c->part;
    p->site = &c->site;
    p->sign = strlist_array(&p->s->sign_headers);
    p->oversign = strlist_array(&p->s->oversign_headers);
    parse_canon(p);
    rc |= load_keys(p, c->path, errors);
    rc |= load_masq(p, c, errors);
    if (strcmp(p->s->key_source, "dns") != 0) {
        str_t why;

        str_init(&why);
        if (mapfile_load(p->s->key_source, 0, &p->keyfile, &why) < 0) {
            cfg_error_at(c->path, "dkim.key_source", errors, "%s", why.buf);
            rc = -1;
        }
        str_free(&why);
    }
    if (rc == 0 && dkim_verifier_new(p->s, dkim_policy_key_lookup, p, &p->verifier, errors) < 0)
        rc = -1;
    if (rc < 0) {
        policy_free(p);
        return -1;
    }
    cross_check(p, c);
    c->runtime = p;
    return 0;
}

void dkim_policy_release(daemon_conf *c)
{
    if (c->runtime != NULL)
        policy_free(c->runtime);
    c->runtime = NULL;
}

const dkim_settings *dkim_policy_settings(const dkim_policy *p)
{
    return p->s;
}

const site_settings *dkim_policy_site(const dkim_policy *p)
{
    return p->site;
}

dkim_verifier *dkim_policy_verifier(const dkim_policy *p)
{
    return p->verifier;
}

static size_t signers_of(const dkim_policy *p, const char *d, size_t len, const dkim_signer **out)
{
    size_t n = 0;

    for (size_t i = 0; i < p->nsigners && n < DKIM_POLICY_MAX_SIGNERS; i++)
        if (strlen(p->signers[i].domain) == len && strncasecmp(p->signers[i].domain, d, len) == 0)
            out[n++] = &p->signers[i];
    return n;
}

size_t dkim_policy_signers(const dkim_policy *p, const char *domain, size_t len,
                           const dkim_signer **out)
{
    size_t n;

    if (len > 0 && domain[len - 1] == '.')
        len--;
    while (len > 0) {
        const char *dot;

        n = signers_of(p, domain, len, out);
        if (n > 0 || !p->s->sign_subdomains)
            return n;
        dot = memchr(domain, '.', len);
        if (dot == NULL)
            return 0;
        len -= (size_t)(dot + 1 - domain);
        domain = dot + 1;
    }
    return 0;
}

void dkim_policy_sign_params(const dkim_policy *p, const dkim_signer *k, dkimsign_params_t *out)
{
    memset(out, 0, sizeof *out);
    out->domain = k->domain;
    out->selector = k->selector;
    out->key = k->key;
    out->header_canon = p->hc;
    out->body_canon = p->bc;
    out->sign = p->sign;
    out->oversign = p->oversign;
    out->expire = (unsigned long)p->s->expire;
}

dkimcanon_t dkim_policy_body_canon(const dkim_policy *p)
{
    return p->bc;
}

bool dkim_policy_masquerades(const dkim_policy *p)
{
    return p->has_masq;
}

bool dkim_policy_exposed_user(const dkim_policy *p, const char *local, size_t len)
{
    bool found = false;
    char *l;

    if (!p->has_masq)
        return false;
    l = mem_strndup(local, len);
    found = cfg_strlist_contains(&p->masq.exposed_users, l, true); /* as lib/mail/masquerade */
    mem_free(&l);
    return found;
}

int dkim_policy_masquerade(const dkim_policy *p, const char *name, const char *value, str_t *out,
                           const char **why)
{
    const masq_policy *mp = p->masq_policy;

    if (!p->has_masq)
        return 0;
    if (!masq_policy_wants_header(mp, name))
        return 0;
    switch (masq_policy_header(mp, value, strlen(value), out, why)) {
    case MASQ_CHANGED: return 1;
    case MASQ_FAILED: return -1;
    default: return 0;
    }
}

static dns *dns_of(dkim_policy *p, const char **why)
{
    dns *d;

    pthread_mutex_lock(&p->dns_lock);
    if (p->dns == NULL && !p->dns_failed) {
        dns_config cfg = {
            .servers = (const char *const *)p->site->dns.servers.items,
            .nservers = p->site->dns.servers.count,
            .timeout_ms = (unsigned)p->site->dns.timeout * 1000u,
            .trust_anchor_file = p->site->dns.trust_anchor,
        };
        const char *err = NULL;

        if (dns_new(&cfg, &p->dns, &err) < 0) {
            log_msg(LOG_ERR, "dkim: cannot set up DNS: %s", err ? err : "?");
            p->dns_failed = true;
        } else {
            p->resolver = dns_resolver_of(p->dns);
        }
    }
    d = p->dns;
    pthread_mutex_unlock(&p->dns_lock);
    if (d == NULL)
        *why = "DNS resolver unavailable";
    return d;
}

static dns_status file_lookup(const dkim_policy *p, const char *name, dns_txts *out)
{
    str_t key;
    const mapfile_entry *e;

    str_init(&key);
    for (const char *s = name; *s; s++)
        str_append_char(&key, (char)((*s >= 'A' && *s <= 'Z') ? *s - 'A' + 'a' : *s));
    e = mapfile_lookup(p->keyfile, key.buf);
    str_free(&key);
    if (e == NULL) {
        out->info.why = "no key record";
        return DNS_NOTFOUND;
    }
    if (strcmp(e->value, "!tempfail") == 0) {
        out->info.why = "key source: temporary failure";
        return DNS_TEMPFAIL;
    }
    out->rec[0] = mem_strdup(e->value);
    out->len[0] = strlen(e->value);
    out->count = 1;
    out->info.why = "";
    return DNS_FOUND;
}

/* A budgeted TXT answer as dns_txt() gives it. */
static void txts_of(dns_answer *a, dns_txts *out)
{
    out->info = a->info;
    for (size_t i = 0; i < a->count; i++) {
        if (out->count == DNS_MAX_TXT_RECORDS) {
            out->info.truncated = true;
            break;
        }
        out->len[out->count] = a->rr[i].len;
        out->rec[out->count++] = a->rr[i].text; /* moved */
        a->rr[i].text = NULL;
    }
}

dns_status dkim_policy_key_lookup(void *ctx, const char *name, const dns_budget *budget,
                                  dns_txts *out)
{
    dkim_policy *p = ctx;
    const char *why = NULL;
    dns_answer a;
    dns_status st;
    dns *d;

    memset(out, 0, sizeof *out);
    if (p->keyfile != NULL)
        return file_lookup(p, name, out);
    d = dns_of(p, &why);
    if (d == NULL) {
        out->info.why = why;
        return DNS_TEMPFAIL;
    }
    st = dns_lookup(d, name, DNS_T_TXT, budget, &a);
    txts_of(&a, out);
    dns_answer_free(&a);
    return st;
}

const dns_resolver *dkim_policy_resolver(dkim_policy *p)
{
    const char *why;

    return dns_of(p, &why) != NULL ? &p->resolver : NULL;
}
