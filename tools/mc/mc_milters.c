/* mc_milters.c - the milters' sockets from their sections; see mc_milters.h. */
#include "config.h"

#include "mc_milters.h"

#include "core/cfg.h"
#include "core/cfghint.h"
#include "core/mem.h"
#include "core/sockspec.h"
#include "milter/site.h"

#include <errno.h>
#include <libconfig.h>
#include <string.h>

/* The daemons' defaults (lib/milter/site.h). */
static const char *const names[MC_MILTERS] = {"relay", "masq", "dkim"};
static const char *const defaults[MC_MILTERS] = {SITE_SOCKET_RELAY, SITE_SOCKET_MASQ,
                                                 SITE_SOCKET_DKIM};

static int read_one(config_t *cf, const char *path, mc_milter *m, const char *def,
                    str_t *errors)
{
    const config_setting_t *sec = config_lookup(cf, m->name);
    const config_setting_t *s;
    const char *v, *why = NULL;

    m->present = sec != NULL && config_setting_type(sec) == CONFIG_TYPE_GROUP;
    if (!m->present) {
        m->socket = mem_strdup(def);
        return 0;
    }
    s = config_setting_get_member(sec, "socket");
    if (s == NULL) {
        m->socket = mem_strdup(def);
        return 0;
    }
    v = config_setting_get_string(s);
    if (v == NULL || strlen(v) > 4096) {
        str_printf(errors, "%s:%u: %s.socket: must be a string in double quotes\n", path,
                   config_setting_source_line(s), m->name);
        return -1;
    }
    if (cfg_check_socket(&v, &why) < 0 || strpbrk(v, "`',; \t\n") != NULL) {
        str_printf(errors, "%s:%u: %s.socket: %s\n", path, config_setting_source_line(s),
                   m->name, why ? why : "must not contain quotes, commas or spaces");
        return -1;
    }
    m->socket = mem_strdup(v);
    return 0;
}

int mc_milters_read(const char *path, mc_milters *out, str_t *errors)
{
    config_t cf;
    int rc = 0;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < MC_MILTERS; i++)
        out->m[i].name = names[i];
    config_init(&cf);
    if (config_read_file(&cf, path) != CONFIG_TRUE) {
        if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
            str_printf(errors, "%s: cannot read: %s\n", path, strerror(errno));
        else
            cfghint_syntax(path, config_error_line(&cf), config_error_text(&cf), errors);
        config_destroy(&cf);
        return -1;
    }
    for (size_t i = 0; i < MC_MILTERS; i++)
        if (read_one(&cf, path, &out->m[i], defaults[i], errors) < 0)
            rc = -1;
    config_destroy(&cf);
    if (rc < 0)
        mc_milters_free(out);
    return rc;
}

void mc_milters_free(mc_milters *ms)
{
    for (size_t i = 0; i < MC_MILTERS; i++)
        mem_free(&ms->m[i].socket);
}

void mc_milters_postfix_socket(const char *socket, const char *queue_dir, str_t *out,
                               bool *outside_chroot)
{
    const char *rest = strchr(socket, ':') + 1;
    const char *at;
    size_t qlen = strlen(queue_dir);

    *outside_chroot = false;
    if (sockspec_unix_path(socket) != NULL) {
        while (qlen > 1 && queue_dir[qlen - 1] == '/')
            qlen--;
        if (strncmp(rest, queue_dir, qlen) == 0 && rest[qlen] == '/' && rest[qlen + 1]) {
            str_printf(out, "unix:%s", rest + qlen + 1);
            return;
        }
        *outside_chroot = true;
        str_printf(out, "unix:%s", rest);
        return;
    }
    /* inet:PORT@HOST / inet6:PORT@HOST (cfg_check_socket passed). */
    at = strchr(rest, '@');
    if (at == NULL)
        str_printf(out, "inet:localhost:%s", rest);
    else if (strchr(at + 1, ':') != NULL)
        str_printf(out, "inet:[%s]:%.*s", at + 1, (int)(at - rest), rest);
    else
        str_printf(out, "inet:%s:%.*s", at + 1, (int)(at - rest), rest);
}
