/* relay_policy.c - runtime state of one relay config and the helpers the
 * decisions use; see relay_policy.h. */
#include "config.h"

#include "relay_policy.h"

#include "core/cfg.h"
#include "mail/mapfile.h"
#include "core/mem.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

struct relay_policy {
    const relay_settings *s;
    const site_settings *site;
    access_map *access;
    mapfile *logins;
    pthread_mutex_t lock; /* guards d */
    dns *d;
    dns_config dcfg;
    const char *conf; /* the config file, for error lines */
};

#define SENDER_SEPS ", \t"

const access_map *relay_policy_access(const relay_policy *p)
{
    return p->access;
}

static int check_login_value(const mapfile_entry *e, const char *file, str_t *errors)
{
    const char *v = e->value;

    while (*v) {
        size_t n = strcspn(v, SENDER_SEPS);
        const char *at = memchr(v, '@', n);

        if (n > 0 &&
            (at == NULL || at == v + n - 1 || memchr(at + 1, '@', n - (size_t)(at + 1 - v)))) {
            str_printf(errors, "%s:%u: \"%.*s\" is neither an address nor @domain", file, e->line,
                       (int)(n > 200 ? 200 : n), v);
            return -1;
        }
        v += n;
        v += strspn(v, SENDER_SEPS);
    }
    return 0;
}

static int load_logins(relay_policy *p, const char *conf, str_t *errors)
{
    str_t why;
    int rc = 0;

    if (p->s->sender_logins == NULL)
        return 0;
    str_init(&why);
    if (mapfile_load(p->s->sender_logins, MAPFILE_KEEP_CASE, &p->logins, &why) < 0) {
        rc = -1;
    } else {
        for (size_t i = 0; rc == 0 && i < mapfile_count(p->logins); i++)
            rc = check_login_value(mapfile_at(p->logins, i), p->s->sender_logins, &why);
    }
    if (rc < 0) {
        cfg_error_at(conf, "relay.sender_logins", errors, "%s", why.buf);
    }
    str_free(&why);
    return rc;
}

static void policy_free(relay_policy *p)
{
    access_free(&p->access);
    mapfile_free(&p->logins);
    if (p->d)
        dns_free(&p->d);
    pthread_mutex_destroy(&p->lock);
    mem_free(&p);
}

/* Creates and frees a handle once, so that -n reports bad DNS settings.
 * No thread is left behind (the daemon forks after this). */
static int check_dns(relay_policy *p, str_t *errors)
{
    const char *why = NULL;
    dns *d = NULL;

    if (dns_new(&p->dcfg, &d, &why) < 0) {
        cfg_error_at(p->conf, "site.dns", errors, "%s", why ? why : "cannot set up DNS");
        return -1;
    }
    dns_free(&d);
    return 0;
}

int relay_policy_prepare(daemon_conf *c, str_t *errors)
{
    relay_policy *p = mem_zalloc(sizeof *p);

    pthread_mutex_init(&p->lock, NULL);
    p->s = c->part;
    p->site = &c->site;
    p->dcfg.servers = (const char *const *)c->site.dns.servers.items;
    p->dcfg.nservers = c->site.dns.servers.count;
    p->dcfg.timeout_ms = (unsigned)c->site.dns.timeout * 1000u;
    p->dcfg.trust_anchor_file = c->site.dns.trust_anchor;
    p->conf = c->path;
    if (p->s->access != NULL) {
        str_t why;

        str_init(&why);
        if (access_load(p->s->access, &p->access, &why) < 0) {
            cfg_error_at(c->path, "relay.access", errors, "%s", why.buf);
            str_free(&why);
            goto fail;
        }
        str_free(&why);
    }
    if (load_logins(p, c->path, errors) < 0 || check_dns(p, errors) < 0)
        goto fail;
    c->runtime = p;
    return 0;
fail:
    policy_free(p);
    return -1;
}

void relay_policy_release(daemon_conf *c)
{
    if (c->runtime)
        policy_free(c->runtime);
    c->runtime = NULL;
}

int relay_policy_resolver(relay_policy *p, dns_resolver *out, const char **error_r)
{
    int rc = 0;

    pthread_mutex_lock(&p->lock);
    if (p->d == NULL && dns_new(&p->dcfg, &p->d, error_r) < 0) {
        p->d = NULL;
        rc = -1;
    }
    if (rc == 0)
        *out = dns_resolver_of(p->d);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void relay_addr_bare(const char *arg, str_t *out, bool *routed)
{
    const char *s = arg ? arg : "";
    size_t n;

    *routed = false;
    s += strspn(s, " \t");
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
        s++;
        n -= 2;
    }
    if (n > 0 && s[0] == '@') {
        const char *colon = memchr(s, ':', n);

        *routed = true;
        if (colon != NULL) {
            n -= (size_t)(colon + 1 - s);
            s = colon + 1;
        }
    }
    str_clear(out);
    str_append(out, s, n);
}

const char *relay_addr_logged(log_safe_buf *buf, const char *arg)
{
    const char *s = arg ? arg : "";
    size_t n;
    str_t a;

    s += strspn(s, " \t");
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    str_init(&a);
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
        str_append(&a, s, n);
    } else {
        str_append_char(&a, '<');
        str_append(&a, s, n);
        str_append_char(&a, '>');
    }
    log_safe(buf, a.buf, a.len);
    str_free(&a);
    return buf->s;
}

static size_t without_dot(const char *d)
{
    size_t n = strlen(d);

    return n > 0 && d[n - 1] == '.' ? n - 1 : n;
}

bool relay_domain_within(const char *domain, const char *d)
{
    size_t n = without_dot(domain), m = without_dot(d);

    if (m == 0 || n < m || strncasecmp(domain + n - m, d, m) != 0)
        return false;
    return n == m || domain[n - m - 1] == '.';
}

static bool domain_equal(const char *domain, const char *d)
{
    size_t n = without_dot(domain);

    return d != NULL && n == without_dot(d) && n > 0 && strncasecmp(domain, d, n) == 0;
}

static bool is_local_domain(const relay_policy *p, const char *domain)
{
    const cfg_strlist *l = &p->s->local_domains;

    if (domain_equal(domain, p->site->hostname))
        return true;
    if (l->count == 0)
        return domain_equal(domain, p->site->domain);
    for (size_t i = 0; i < l->count; i++)
        if (domain_equal(domain, l->items[i]))
            return true;
    return false;
}

relay_rcpt_kind relay_policy_rcpt(const relay_policy *p, const char *rcpt)
{
    str_t a;
    bool routed;
    relay_rcpt_kind k = RELAY_RCPT_REMOTE;
    const char *at;

    str_init(&a);
    relay_addr_bare(rcpt, &a, &routed);
    at = strrchr(a.buf, '@');
    if (routed || strpbrk(a.buf, "%!") != NULL ||
        (at != NULL && memchr(a.buf, '@', (size_t)(at - a.buf)) != NULL))
        goto out; /* routing through us: treat as relaying */
    if (at == NULL) {
        k = RELAY_RCPT_LOCAL;
        goto out;
    }
    if (is_local_domain(p, at + 1)) {
        k = RELAY_RCPT_LOCAL;
        goto out;
    }
    for (size_t i = 0; i < p->s->relay_domains.count; i++)
        if (relay_domain_within(at + 1, p->s->relay_domains.items[i])) {
            k = RELAY_RCPT_RELAYED;
            break;
        }
out:
    str_free(&a);
    return k;
}

bool relay_sender_item_matches(const char *item, size_t len, const char *addr)
{
    const char *at = strrchr(addr, '@');

    if (len == 0 || at == NULL)
        return false;
    if (item[0] == '@') /* @domain: the domain exactly */
        return strlen(at + 1) == len - 1 && strncasecmp(at + 1, item + 1, len - 1) == 0;
    return strlen(addr) == len && strncasecmp(addr, item, len) == 0;
}

/* The map entry of a login.  A login with a realm that is ours
 * ("alice@mail.example.net", as Postfix reports it with
 * smtpd_sasl_local_domain; sendmail says "alice") falls back to the bare
 * login when the full form has no entry. */
static const mapfile_entry *login_entry(const relay_policy *p, const char *login)
{
    const mapfile_entry *e = mapfile_lookup(p->logins, login);
    const char *at = strrchr(login, '@');

    if (e != NULL || at == NULL || at == login)
        return e;
    if (!is_local_domain(p, at + 1) && !domain_equal(at + 1, p->site->domain))
        return NULL;
    return mapfile_lookup_n(p->logins, login, (size_t)(at - login));
}

relay_sender_check relay_policy_sender(const relay_policy *p, const char *login, const char *sender)
{
    const mapfile_entry *e;
    relay_sender_check rc = RELAY_SENDER_MISMATCH;
    str_t a;
    bool routed;

    if (p->logins == NULL || login == NULL || *login == '\0')
        return RELAY_SENDER_ALLOWED;
    str_init(&a);
    relay_addr_bare(sender, &a, &routed);
    if (a.len == 0 && !routed) {
        rc = RELAY_SENDER_ALLOWED; /* the null sender (bounces) */
        goto out;
    }
    e = login_entry(p, login);
    if (e == NULL) {
        rc = RELAY_SENDER_NO_LOGIN;
        goto out;
    }
    for (const char *v = e->value; *v;) {
        size_t n = strcspn(v, SENDER_SEPS);

        if (!routed && relay_sender_item_matches(v, n, a.buf)) {
            rc = RELAY_SENDER_ALLOWED;
            break;
        }
        v += n;
        v += strspn(v, SENDER_SEPS);
    }
out:
    str_free(&a);
    return rc;
}
