/* ck_postfix.c - Postfix read with postconf; see ck_postfix.h. */
#include "config.h"

#include "ck_postfix.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck_pfconf.h"
#include "core/mem.h"
#include "core/spawn.h"

#define POSTCONF_TIMEOUT_MS 60000u

typedef struct pf {
    const char *postconf, *dir;
    ck_kvlist main;   /* the main.cf settings we asked for */
    ck_kvlist over;   /* postconf -P: service/type/name = value */
    ck_kvlist fields; /* postconf -F: service/type/field = value */
} pf;

/* Runs postconf -c DIR ARGS...; returns its stdout parsed, or -1 with why. */
static int postconf(const pf *p, const char *const *args, ck_kvlist *out, str_t *why)
{
    const char *argv[16];
    size_t n = 0;
    spawn_result res;
    spawn_opts o = {.c_locale = true, .timeout_ms = POSTCONF_TIMEOUT_MS};
    const char *err;
    int rc = -1;

    argv[n++] = p->postconf;
    argv[n++] = "-c";
    argv[n++] = p->dir;
    for (; *args != NULL && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    spawn_result_init(&res);
    if (spawn_run(argv, &o, &res, why) == 0) {
        if (spawn_status(&res) != 0) {
            str_printf(why, "%s -c %s exited with %d: ", p->postconf, p->dir,
                       spawn_status(&res));
            ck_report_safe(why, res.err.buf, res.err.len, 300, false);
        } else if (ck_pf_parse_params(res.out.buf, res.out.len, out, &err) < 0)
            str_printf(why, "cannot read the output of postconf: %s", err);
        else
            rc = 0;
    }
    spawn_result_free(&res);
    return rc;
}

static int read_all(pf *p, str_t *why)
{
    static const char *const main_args[] = {"-x", "mail_owner", "queue_directory",
                                            "smtpd_milters", "non_smtpd_milters",
                                            "milter_default_action", NULL};
    static const char *const over_args[] = {"-x", "-P", NULL};
    static const char *const field_args[] = {"-F", NULL};

    return postconf(p, main_args, &p->main, why) < 0 || postconf(p, over_args, &p->over, why) < 0 ||
                   postconf(p, field_args, &p->fields, why) < 0
               ? -1
               : 0;
}

/* "SERVICE/TYPE/" of a -P / -F name, and the rest. */
static bool split_name(const char *name, str_t *svc, const char **rest)
{
    const char *a = strchr(name, '/'), *b = a ? strchr(a + 1, '/') : NULL;

    if (b == NULL)
        return false;
    str_clear(svc);
    str_append(svc, name, (size_t)(b - name));
    *rest = b + 1;
    return true;
}

/* The first word of a service's command ("smtpd", "cleanup"). */
static bool command_is(const pf *p, const char *svc, const char *prog)
{
    str_t key;
    const char *cmd;
    size_t n = strlen(prog);
    bool is;

    str_init(&key);
    str_printf(&key, "%s/command", svc);
    cmd = ck_kvlist_get(&p->fields, key.buf);
    is = cmd != NULL && strncmp(cmd, prog, n) == 0 && (cmd[n] == '\0' || cmd[n] == ' ');
    str_free(&key);
    return is;
}

/* Is any smtpd or cleanup service chrooted?  Names the first in where. */
static bool any_chroot(const pf *p, str_t *where)
{
    str_t svc;
    const char *field;

    str_init(&svc);
    for (size_t i = 0; i < p->fields.count; i++) {
        const ck_kv *kv = &p->fields.items[i];

        if (!split_name(kv->name, &svc, &field) || strcmp(field, "chroot") != 0 ||
            strcmp(kv->value, "y") != 0)
            continue;
        if (command_is(p, svc.buf, "smtpd") || command_is(p, svc.buf, "cleanup")) {
            str_append_cstr(where, svc.buf);
            str_free(&svc);
            return true;
        }
    }
    str_free(&svc);
    return false;
}

static void add_chain(ck_mta *m, const pf *p, const char *where, bool optional,
                      const char *value, const char *action, const char *fix,
                      const char *action_fix)
{
    ck_mta_chain *ch = ck_mta_add_chain(m, where, optional, fix);
    ck_pf_milters list;
    const char *err;
    bool action_open = action != NULL && (strcmp(action, "accept") == 0 ||
                                          strcmp(action, "quarantine") == 0);

    (void)p;
    ch->commas = strstr(fix, " -P ") != NULL; /* postconf -P takes no spaces */
    ch->action_fix = mem_strdup(action_fix);
    if (ck_pf_parse_milters(value != NULL ? value : "", &list, &err) < 0) {
        ck_mta_entry *e = ck_mta_add_entry(ch, value, NULL);

        e->fail_open = mem_strdup(err);
        return;
    }
    for (size_t i = 0; i < list.count; i++) {
        const ck_pf_milter *pm = &list.items[i];
        ck_mta_entry *e = ck_mta_add_entry(ch, pm->socket, NULL);
        str_t why;

        e->parsed = ck_sock_parse_postfix(pm->socket, m->queue_dir, m->chroot, &e->sock, &err) == 0;
        if (e->parsed && m->chroot && e->sock.kind == CK_SOCK_UNIX && pm->socket[5] == '/')
            e->has_alt = ck_sock_parse_postfix(pm->socket, m->queue_dir, false, &e->alt, &err) == 0;
        str_init(&why);
        if (pm->default_action != NULL && (strcmp(pm->default_action, "accept") == 0 ||
                                           strcmp(pm->default_action, "quarantine") == 0))
            str_printf(&why, "its default_action is %s", pm->default_action);
        else if (pm->default_action == NULL && action_open) {
            str_printf(&why, "milter_default_action = %s", action);
            e->open_by_action = true;
        }
        e->fail_open = why.len > 0 ? str_steal(&why) : NULL;
        str_free(&why);
    }
    ck_pf_milters_free(&list);
}

static void chains(ck_mta *m, const pf *p)
{
    const char *action = ck_kvlist_get(&p->main, "milter_default_action");
    str_t fix, afix, where, svc, key;
    const char *param;

    str_init(&fix), str_init(&afix), str_init(&where), str_init(&svc), str_init(&key);
    str_printf(&afix, "postconf -c %s -e 'milter_default_action = tempfail' && postfix reload",
               p->dir);
    str_printf(&fix, "postconf -c %s -e 'smtpd_milters = %%s' && postfix reload", p->dir);
    add_chain(m, p, "smtpd_milters (main.cf)", false, ck_kvlist_get(&p->main, "smtpd_milters"),
              action, fix.buf, afix.buf);
    str_clear(&fix);
    str_printf(&fix, "postconf -c %s -e 'non_smtpd_milters = %%s' && postfix reload", p->dir);
    add_chain(m, p, "non_smtpd_milters (main.cf)", true,
              ck_kvlist_get(&p->main, "non_smtpd_milters"), action, fix.buf, afix.buf);
    /* master.cf services that override the milters or the action. */
    for (size_t i = 0; i < p->over.count; i++) {
        const char *own_action, *list;

        if (!split_name(p->over.items[i].name, &svc, &param) ||
            (strcmp(param, "smtpd_milters") != 0 && strcmp(param, "milter_default_action") != 0))
            continue;
        str_clear(&key);
        str_printf(&key, "%s/smtpd_milters", svc.buf);
        list = ck_kvlist_get(&p->over, key.buf);
        if (strcmp(param, "milter_default_action") == 0 && list != NULL)
            continue; /* that service's chain comes with its smtpd_milters */
        str_clear(&key);
        str_printf(&key, "%s/milter_default_action", svc.buf);
        own_action = ck_kvlist_get(&p->over, key.buf);
        str_clear(&where), str_clear(&fix), str_clear(&afix);
        str_printf(&where, "smtpd_milters of %s (master.cf)", svc.buf);
        str_printf(&fix, "postconf -c %s -P '%s/smtpd_milters=%%s' && postfix reload", p->dir,
                   svc.buf);
        if (own_action != NULL)
            str_printf(&afix, "postconf -c %s -P '%s/milter_default_action=tempfail' && "
                       "postfix reload", p->dir, svc.buf);
        else
            str_printf(&afix, "postconf -c %s -e 'milter_default_action = tempfail' && "
                       "postfix reload", p->dir);
        add_chain(m, p, where.buf, false,
                  list != NULL ? list : ck_kvlist_get(&p->main, "smtpd_milters"),
                  own_action != NULL ? own_action : action, fix.buf, afix.buf);
    }
    str_free(&fix), str_free(&afix), str_free(&where), str_free(&svc), str_free(&key);
}

static void check_submission(ck_report *r, const ck_conf *c, const pf *p)
{
    str_t svc, fix;
    const char *field;
    bool found = false;

    if (!c->submission)
        return;
    str_init(&svc), str_init(&fix);
    for (size_t i = 0; i < p->fields.count && !found; i++) {
        const ck_kv *kv = &p->fields.items[i];

        if (split_name(kv->name, &svc, &field) && strcmp(field, "command") == 0 &&
            strstr(svc.buf, "/inet") != NULL && command_is(p, svc.buf, "smtpd")) {
            str_truncate(&svc, (size_t)(strstr(svc.buf, "/inet") - svc.buf));
            found = ck_mta_port_matches(svc.buf, c->submission_port);
        }
    }
    if (found) {
        ck_itemf(r, CK_OK, "mta submission", NULL, "master.cf runs smtpd as %s (port %ld)",
                 svc.buf, c->submission_port);
    } else {
        str_printf(&fix, "milterkit-mc -c %s, then sh %s/milterkit-postconf.sh %s && postfix reload",
                   c->path, p->dir, p->dir);
        ck_itemf(r, CK_FAIL, "mta submission", fix.buf,
                 "no smtpd service on port %ld in %s/master.cf: roaming users cannot submit",
                 c->submission_port, p->dir);
    }
    str_free(&svc), str_free(&fix);
}

static void check_queue_dir(ck_report *r, const ck_conf *c, const ck_mta *m)
{
    str_t fix;

    if (strcmp(c->queue_directory, m->queue_dir) == 0)
        return;
    str_init(&fix);
    str_printf(&fix, "set mta.postfix.queue_directory = \"%s\"; in %s, then run milterkit-mc",
               m->queue_dir, c->path);
    ck_itemf(r, CK_WARN, "mta queue_directory", fix.buf,
             "milterkit.conf says %s, Postfix uses %s: milterkit-mc writes the sockets "
             "relative to the wrong directory", c->queue_directory, m->queue_dir);
    str_free(&fix);
}

static const char *default_postconf(const ck_mtaopts *o)
{
    static const char *const paths[] = {"/usr/sbin/postconf", "/usr/local/sbin/postconf", NULL};

    if (o->postconf != NULL)
        return o->postconf;
    for (size_t i = 0; paths[i] != NULL; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return paths[0];
}

/* The user and chroot facts, reported in one item. */
static int facts(ck_report *r, const pf *p, ck_mta *m)
{
    const char *owner = ck_kvlist_get(&p->main, "mail_owner");
    const char *queue = ck_kvlist_get(&p->main, "queue_directory");
    str_t why, chrooted;

    str_init(&why), str_init(&chrooted);
    m->queue_dir = mem_strdup(queue != NULL && *queue == '/' ? queue : "/var/spool/postfix");
    m->chroot = any_chroot(p, &chrooted);
    if (owner == NULL || ck_user_lookup(owner, &m->user, &why) < 0) {
        ck_itemf(r, CK_FAIL, "mta postfix", "set mail_owner in main.cf to Postfix's user "
                 "(postconf -e mail_owner=postfix)", "Postfix's mail_owner: %s",
                 owner != NULL ? why.buf : "not set");
        str_free(&why), str_free(&chrooted);
        return -1;
    }
    m->have_user = true;
    if (m->chroot)
        ck_itemf(r, CK_OK, "mta postfix", NULL,
                 "%s read: milters are called by %s (group %s), chrooted in %s (%s and maybe "
                 "more)", p->dir, owner, m->user.group, m->queue_dir, chrooted.buf);
    else
        ck_itemf(r, CK_OK, "mta postfix", NULL,
                 "%s read: milters are called by %s (group %s), not chrooted", p->dir, owner,
                 m->user.group);
    str_free(&why), str_free(&chrooted);
    return 0;
}

int ck_postfix_read(ck_report *r, const ck_conf *c, const ck_mtaopts *o, ck_mta *m)
{
    pf p = {.postconf = default_postconf(o)};
    str_t why, fix;
    int rc = -1;

    p.dir = o->postfix_dir != NULL ? o->postfix_dir
            : c->config_dir != NULL ? c->config_dir
                                    : "/etc/postfix";
    str_init(&why), str_init(&fix);
    if (access(p.postconf, X_OK) != 0) {
        ck_itemf(r, CK_FAIL, "mta postfix", "install Postfix (apt install postfix), or set "
                 "mta.flavor (or --mta) to the MTA you run, or give --postconf PATH",
                 "%s: not found", p.postconf);
    } else if (read_all(&p, &why) < 0) {
        str_printf(&fix, "correct what postconf says in %s (or give --postfix-dir DIR)", p.dir);
        ck_itemf(r, CK_FAIL, "mta postfix", fix.buf, "cannot read Postfix's configuration: %s",
                 why.buf);
    } else if (facts(r, &p, m) == 0) {
        str_printf(&fix, "milterkit-mc -c %s, then sh %s/milterkit-postconf.sh %s && postfix reload",
                   c->path, p.dir, p.dir);
        m->regen = str_steal(&fix);
        check_queue_dir(r, c, m);
        check_submission(r, c, &p);
        chains(m, &p);
        rc = 0;
    }
    ck_kvlist_free(&p.main), ck_kvlist_free(&p.over), ck_kvlist_free(&p.fields);
    str_free(&why), str_free(&fix);
    return rc;
}
