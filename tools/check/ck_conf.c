/* ck_conf.c - the settings milterkit-check reads; see ck_conf.h. */
#include "config.h"

#include "ck_conf.h"

#include <errno.h>
#include <libconfig.h>
#include <string.h>

#include "core/mem.h"
#include "milter/site.h"

/* The daemons' socket defaults (lib/milter/site.h), in the order the MTA
 * must call them. */
static const char *const names[CK_MILTERS] = {"relay", "masq", "dkim"};
static const char *const default_socket[CK_MILTERS] = {SITE_SOCKET_RELAY, SITE_SOCKET_MASQ,
                                                       SITE_SOCKET_DKIM};

typedef struct reader {
    config_t cf;
    const char *path;
    str_t *errors;
    int rc;
} reader;

static void bad(reader *r, const config_setting_t *s, const char *key, const char *what)
{
    str_printf(r->errors, "%s:%u: %s: %s\n", r->path, config_setting_source_line(s), key, what);
    r->rc = -1;
}

/* A string at path (NULL when absent); def when absent. */
static char *get_string(reader *r, const char *key, const char *def)
{
    const config_setting_t *s = config_lookup(&r->cf, key);
    const char *v;

    if (s == NULL)
        return def != NULL ? mem_strdup(def) : NULL;
    v = config_setting_get_string(s);
    if (v == NULL || strlen(v) > 4096) {
        bad(r, s, key, "must be a string in double quotes");
        return def != NULL ? mem_strdup(def) : NULL;
    }
    return mem_strdup(v);
}

static bool get_bool(reader *r, const char *key, bool def)
{
    const config_setting_t *s = config_lookup(&r->cf, key);

    if (s == NULL)
        return def;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        bad(r, s, key, "must be true or false");
        return def;
    }
    return config_setting_get_bool(s) != 0;
}

static long get_int(reader *r, const char *key, long def, long min, long max)
{
    const config_setting_t *s = config_lookup(&r->cf, key);
    long long v;

    if (s == NULL)
        return def;
    if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
        bad(r, s, key, "must be a number");
        return def;
    }
    v = config_setting_get_int64(s);
    if (v < min || v > max) {
        bad(r, s, key, "out of range");
        return def;
    }
    return (long)v;
}

static void read_milters(reader *r, ck_conf *c)
{
    str_t key;

    str_init(&key);
    for (size_t i = 0; i < CK_MILTERS; i++) {
        const config_setting_t *sec = config_lookup(&r->cf, names[i]);
        ck_milter *m = &c->milter[i];

        m->name = names[i];
        m->present = sec != NULL && config_setting_type(sec) == CONFIG_TYPE_GROUP;
        str_clear(&key);
        str_printf(&key, "%s.socket", names[i]);
        m->socket = get_string(r, key.buf, default_socket[i]);
        str_clear(&key);
        str_printf(&key, "%s.socket_group", names[i]);
        m->socket_group = get_string(r, key.buf, NULL);
    }
    str_free(&key);
}

static void read_keys(reader *r, ck_conf *c)
{
    const config_setting_t *list = config_lookup(&r->cf, "dkim.keys");
    int n;

    if (list == NULL)
        return;
    if (!config_setting_is_list(list) && !config_setting_is_array(list)) {
        bad(r, list, "dkim.keys", "must be a list ( { ... }, ... )");
        return;
    }
    n = config_setting_length(list);
    if (n <= 0)
        return;
    c->keys = mem_array((size_t)n, sizeof *c->keys);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        const char *d = NULL, *s = NULL, *k = NULL;

        if (e == NULL || !config_setting_is_group(e) ||
            !config_setting_lookup_string(e, "domain", &d) ||
            !config_setting_lookup_string(e, "selector", &s) ||
            !config_setting_lookup_string(e, "key", &k)) {
            bad(r, e != NULL ? e : list, "dkim.keys", "each entry needs domain, selector, key");
            continue;
        }
        c->keys[c->nkeys].domain = mem_strdup(d);
        c->keys[c->nkeys].selector = mem_strdup(s);
        c->keys[c->nkeys].path = mem_strdup(k);
        c->nkeys++;
    }
}

/* The defaults are milterkit-mc's (tools/mc/mc_settings.c). */
static void read_mta(reader *r, ck_conf *c)
{
    c->flavor = get_string(r, "mta.flavor", "sendmail");
    if (strcmp(c->flavor, "sendmail") != 0 && strcmp(c->flavor, "postfix") != 0) {
        bad(r, config_lookup(&r->cf, "mta.flavor"), "mta.flavor",
            "must be \"sendmail\" or \"postfix\"");
        mem_free(&c->flavor);
        c->flavor = mem_strdup("sendmail");
    }
    c->config_dir = get_string(r, "mta.config_dir", NULL);
    c->submission = get_bool(r, "mta.submission.enable", true);
    c->submission_port = get_int(r, "mta.submission.port", 587, 1, 65535);
    c->smarthost = get_string(r, "mta.smarthost.host", NULL);
    c->postfix_chroot = get_bool(r, "mta.postfix.chroot", true);
    c->queue_directory = get_string(r, "mta.postfix.queue_directory", "/var/spool/postfix");
}

static int read_file(reader *r)
{
    config_init(&r->cf);
    if (config_read_file(&r->cf, r->path) == CONFIG_TRUE)
        return 0;
    if (config_error_type(&r->cf) == CONFIG_ERR_FILE_IO)
        str_printf(r->errors, "%s: cannot read: %s\n", r->path, strerror(errno));
    else
        str_printf(r->errors, "%s:%d: syntax error: %s\n", r->path, config_error_line(&r->cf),
                   config_error_text(&r->cf));
    config_destroy(&r->cf);
    return -1;
}

int ck_conf_load(const char *path, ck_conf *c, str_t *errors)
{
    reader r = {.path = path, .errors = errors, .rc = 0};

    memset(c, 0, sizeof *c);
    if (read_file(&r) < 0)
        return -1;
    if (site_load(path, &c->site, NULL, NULL, NULL, errors) < 0) {
        config_destroy(&r.cf);
        return -1;
    }
    c->path = mem_strdup(path);
    read_milters(&r, c);
    read_keys(&r, c);
    read_mta(&r, c);
    config_destroy(&r.cf);
    if (r.rc < 0)
        ck_conf_free(c);
    return r.rc;
}

void ck_conf_free(ck_conf *c)
{
    if (c->path == NULL)
        return;
    site_free(&c->site);
    for (size_t i = 0; i < CK_MILTERS; i++) {
        mem_free(&c->milter[i].socket);
        mem_free(&c->milter[i].socket_group);
    }
    for (size_t i = 0; i < c->nkeys; i++) {
        mem_free(&c->keys[i].domain);
        mem_free(&c->keys[i].selector);
        mem_free(&c->keys[i].path);
    }
    mem_free(&c->keys);
    mem_free(&c->flavor);
    mem_free(&c->config_dir);
    mem_free(&c->smarthost);
    mem_free(&c->queue_directory);
    mem_free(&c->path);
}
