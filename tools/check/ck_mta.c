/* ck_mta.c - the MTA's milter lists and socket access judged; see ck_mta.h. */
#include "config.h"

#include "ck_mta.h"

#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void ck_mta_init(ck_mta *m, const char *flavor)
{
    memset(m, 0, sizeof *m);
    m->flavor = flavor;
}

void ck_mta_free(ck_mta *m)
{
    for (size_t i = 0; i < m->nchains; i++) {
        ck_mta_chain *ch = &m->chains[i];

        for (size_t j = 0; j < ch->n; j++) {
            mem_free(&ch->e[j].raw);
            mem_free(&ch->e[j].name);
            mem_free(&ch->e[j].fail_open);
            ck_sock_free(&ch->e[j].sock);
            ck_sock_free(&ch->e[j].alt);
        }
        mem_free(&ch->e);
        mem_free(&ch->where);
        mem_free(&ch->fix);
        mem_free(&ch->action_fix);
    }
    mem_free(&m->chains);
    if (m->have_user)
        ck_user_free(&m->user);
    mem_free(&m->queue_dir);
    mem_free(&m->regen);
    m->nchains = 0;
}

ck_mta_chain *ck_mta_add_chain(ck_mta *m, const char *where, bool optional, const char *fix)
{
    ck_mta_chain *ch;

    m->chains = mem_realloc_array(m->chains, m->nchains + 1, sizeof *m->chains);
    ch = &m->chains[m->nchains++];
    memset(ch, 0, sizeof *ch);
    ch->where = mem_strdup(where);
    ch->optional = optional;
    ch->fix = mem_strdup(fix);
    return ch;
}

ck_mta_entry *ck_mta_add_entry(ck_mta_chain *ch, const char *raw, const char *name)
{
    ck_mta_entry *e;

    ch->e = mem_realloc_array(ch->e, ch->n + 1, sizeof *ch->e);
    e = &ch->e[ch->n++];
    memset(e, 0, sizeof *e);
    e->raw = mem_strdup(raw);
    e->name = name != NULL ? mem_strdup(name) : NULL;
    return e;
}

bool ck_mta_port_matches(const char *service, long port)
{
    const char *colon = strrchr(service, ':');
    const char *p = colon != NULL ? colon + 1 : service;
    char *end;
    long v;

    if (port == 587 && strcmp(p, "submission") == 0)
        return true;
    if (port == 25 && strcmp(p, "smtp") == 0)
        return true;
    v = strtol(p, &end, 10);
    return *p != '\0' && *end == '\0' && v == port;
}

/* ---- check 3: can the MTA's user reach each unix socket? ---- */

/* The fix when the socket itself denies: its group or mode, and the setting
 * that makes the daemon create it right. */
static void socket_fix(const ck_conf *c, const ck_milter *ml, const ck_mta *m,
                       const ck_access_result *a, str_t *fix)
{
    const char *g = m->user.group, *sock = a->where.buf;
    struct group *cfg = ml->socket_group != NULL ? getgrnam(ml->socket_group) : NULL;

    if (ml->socket_group == NULL || cfg == NULL)
        str_printf(fix, "set %s.socket_group = \"%s\"; in %s and restart milterkit-%s",
                   ml->name, g, c->path, ml->name);
    else if (!ck_user_in_group(&m->user, cfg->gr_gid))
        str_printf(fix, "%s.socket_group is \"%s\", which %s is not in: set it to \"%s\" in %s "
                   "and restart milterkit-%s (or: adduser %s %s, then restart the MTA)",
                   ml->name, ml->socket_group, m->user.name, g, c->path, ml->name,
                   m->user.name, ml->socket_group);
    else if (a->group != cfg->gr_gid) {
        struct group *now = getgrgid(a->group);

        str_printf(fix, "the socket has group %s, not %s.socket_group \"%s\" (changed since "
                   "the daemon made it?): restart milterkit-%s\n(at once: chgrp %s %s && "
                   "chmod g+w %s)", now != NULL ? now->gr_name : "?", ml->name,
                   ml->socket_group, ml->name, ml->socket_group, sock, sock);
        return;
    } else {
        str_printf(fix, "the socket's mode %04o does not let group %s write: set %s.socket_mode "
                   "= \"0660\"; in %s and restart milterkit-%s\n(at once: chmod g+w %s)",
                   (unsigned)a->mode, ml->socket_group, ml->name, c->path, ml->name, sock);
        return;
    }
    str_printf(fix, "\n(at once, until the daemon restarts: chgrp %s %s && chmod g+w %s)", g,
               sock, sock);
}

static void access_denied(ck_report *r, const ck_conf *c, const char *item, const ck_milter *ml,
                          const ck_mta *m, const ck_access_result *a)
{
    str_t fix;

    str_init(&fix);
    if (a->directory)
        str_printf(&fix,
                   "chgrp %s %s && chmod g+x %s\n"
                   "(or let %s search it some other way, e.g. chmod o+x %s)",
                   m->user.group, a->where.buf, a->where.buf, m->user.name, a->where.buf);
    else
        socket_fix(c, ml, m, a, &fix);
    ck_itemf(r, CK_FAIL, item, fix.buf, "the %s user %s cannot connect to milterkit-%s: %s",
             m->flavor, m->user.name, ml->name, a->why.buf);
    str_free(&fix);
}

/* Postfix chrooted: the socket must be below the queue directory. */
static bool outside_chroot(ck_report *r, const char *item, const ck_milter *ml, const ck_mta *m,
                           const char *path)
{
    size_t q;
    str_t fix;

    if (!m->chroot || m->queue_dir == NULL)
        return false;
    q = strlen(m->queue_dir);
    if (strncmp(path, m->queue_dir, q) == 0 && path[q] == '/')
        return false;
    str_init(&fix);
    str_printf(&fix,
               "mkdir -p %s/milterkit; set %s.socket = \"unix:%s/milterkit/%s.sock\"; and "
               "%s.socket_group = \"%s\"; in milterkit.conf, restart milterkit-%s, then run "
               "milterkit-mc again",
               m->queue_dir, ml->name, m->queue_dir, ml->name, ml->name,
               m->have_user ? m->user.group : "postfix", ml->name);
    ck_itemf(r, CK_FAIL, item, fix.buf,
             "%s is outside Postfix's chroot %s: chrooted smtpd processes cannot reach it",
             ml->socket, m->queue_dir);
    str_free(&fix);
    return true;
}

static void access_one(ck_report *r, const ck_conf *c, const ck_milter *ml, const ck_mta *m)
{
    str_t item;
    ck_sock s;
    const char *err;
    ck_access_result a;

    str_init(&item);
    str_printf(&item, "mta-access %s", ml->name);
    if (ck_sock_parse_milter(ml->socket, &s, &err) < 0) {
        ck_itemf(r, CK_FAIL, item.buf, "correct it in milterkit.conf (milterkit.conf(5))",
                 "%s.socket %s: %s", ml->name, ml->socket, err);
    } else if (s.kind == CK_SOCK_INET) {
        ck_itemf(r, CK_OK, item.buf, NULL, "%s: a TCP socket, no file permissions involved",
                 ml->socket);
    } else if (!outside_chroot(r, item.buf, ml, m, s.path) && m->have_user) {
        ck_access_result_init(&a);
        switch (ck_access_unix(&m->user, s.path, &a)) {
        case CK_ACCESS_OK:
            ck_itemf(r, CK_OK, item.buf, NULL, "%s (the %s user) can connect to %s", m->user.name,
                     m->flavor, ml->socket);
            break;
        case CK_ACCESS_DENIED:
            access_denied(r, c, item.buf, ml, m, &a);
            break;
        case CK_ACCESS_MISSING:
            ck_itemf(r, CK_WARN, item.buf, "start the daemon (see its \"socket\" item), then "
                     "check again", "cannot judge: %s", a.why.buf);
            break;
        case CK_ACCESS_ERROR:
            ck_itemf(r, CK_WARN, item.buf, "run milterkit-check as root",
                     "cannot judge: %s", a.why.buf);
            break;
        }
        ck_access_result_free(&a);
    }
    ck_sock_free(&s);
    str_free(&item);
}

void ck_mta_check_access(ck_report *r, const ck_conf *c, const ck_mta *m)
{
    for (size_t i = 0; i < CK_MILTERS; i++)
        if (c->milter[i].present)
            access_one(r, c, &c->milter[i], m);
}

/* ---- check 4: the milters in order, failing closed ---- */

static const char *const lost[CK_MILTERS] = {
    "relaying is not controlled by milterkit-relay",
    "internal addresses leave unmasqueraded",
    "mail leaves unsigned and incoming mail is not verified",
};

typedef struct found {
    const ck_milter *ml;
    size_t which;  /* index in the config's milters (relay, masq, dkim) */
    ck_sock sock;
    bool ok;       /* our socket parsed */
    size_t index;  /* in the chain; n when missing */
    bool via_alt;  /* matched only outside the chroot */
} found;

static void find_ours(const ck_conf *c, const ck_mta_chain *ch, found *f, size_t *nf)
{
    const char *err;

    *nf = 0;
    for (size_t i = 0; i < CK_MILTERS; i++) {
        found *x = &f[*nf];

        if (!c->milter[i].present)
            continue;
        memset(x, 0, sizeof *x);
        x->ml = &c->milter[i];
        x->which = i;
        x->ok = ck_sock_parse_milter(x->ml->socket, &x->sock, &err) == 0;
        x->index = ch->n;
        for (size_t j = 0; x->ok && j < ch->n && x->index == ch->n; j++) {
            if (ch->e[j].parsed && ck_sock_same(&x->sock, &ch->e[j].sock))
                x->index = j;
            else if (ch->e[j].has_alt && ck_sock_same(&x->sock, &ch->e[j].alt))
                x->via_alt = true;
        }
        (*nf)++;
    }
}

static bool is_ours(const found *f, size_t nf, size_t j)
{
    for (size_t i = 0; i < nf; i++)
        if (f[i].index == j)
            return true;
    return false;
}

/* Appends tmpl with its "%s" replaced by value. */
static void subst(const char *tmpl, const char *value, str_t *out)
{
    const char *at = strstr(tmpl, "%s");

    if (at == NULL) {
        str_append_cstr(out, tmpl);
        return;
    }
    str_append(out, tmpl, (size_t)(at - tmpl));
    str_append_cstr(out, value);
    str_append_cstr(out, at + 2);
}

/* The list as it should be: ours in order, then the others as they were. */
static void wanted(const ck_mta *m, const ck_mta_chain *ch, const found *f, size_t nf, str_t *out)
{
    const char *sep = ch->by_name ? ", " : ch->commas ? "," : " ";
    str_t list;

    str_init(&list);
    for (size_t i = 0; i < nf; i++) {
        if (list.len > 0)
            str_append_cstr(&list, sep);
        if (f[i].index < ch->n && ch->by_name)
            str_append_cstr(&list, ch->e[f[i].index].name);
        else if (ch->by_name)
            str_printf(&list, "milterkit-%s", f[i].ml->name);
        else if (f[i].ok)
            ck_sock_postfix_form(&f[i].sock, m->queue_dir ? m->queue_dir : "/", &list);
    }
    for (size_t j = 0; j < ch->n; j++) {
        if (is_ours(f, nf, j))
            continue;
        if (list.len > 0)
            str_append_cstr(&list, sep);
        str_append_cstr(&list, ch->by_name && ch->e[j].name ? ch->e[j].name : ch->e[j].raw);
    }
    subst(ch->fix, list.buf, out);
    if (m->regen != NULL)
        str_printf(out, "\n(or: %s)", m->regen);
    str_free(&list);
}

/* What is wrong with one chain. */
typedef struct verdict {
    ck_status st;
    bool list_wrong;   /* missing, out of order, or failing open on its own */
    str_t by_action;   /* ours that fail open because of the default action */
    const char *action; /* that reason */
} verdict;

static void worse(verdict *v, ck_status st)
{
    if (st > v->st)
        v->st = st;
}

/* Problems of one chain, appended to what (one per line). */
static void judge(const ck_mta_chain *ch, const found *f, size_t nf, verdict *v, str_t *what)
{
    const found *last = NULL;

    for (size_t i = 0; i < nf; i++) {
        const found *x = &f[i];
        const ck_mta_entry *e;

        if (x->index == ch->n) {
            str_printf(what, "milterkit-%s (%s) is not in it%s: %s\n", x->ml->name,
                       x->ml->socket,
                       x->via_alt ? " (a socket of that path is named, but a chrooted Postfix "
                                    "looks for it below its queue directory)"
                                  : "",
                       lost[x->which]);
            worse(v, ch->optional ? CK_WARN : CK_FAIL);
            v->list_wrong = true;
            continue;
        }
        if (last != NULL && x->index < last->index) {
            str_printf(what, "milterkit-%s is called before milterkit-%s: the order must be "
                             "relay, masq, dkim (relay decides first, masq rewrites before dkim "
                             "signs)\n", x->ml->name, last->ml->name);
            worse(v, CK_FAIL);
            v->list_wrong = true;
        }
        last = x;
        e = &ch->e[x->index];
        if (e->fail_open != NULL && e->open_by_action) {
            str_printf(&v->by_action, "%smilterkit-%s", v->by_action.len ? ", " : "",
                       x->ml->name);
            v->action = e->fail_open;
            worse(v, CK_FAIL);
        } else if (e->fail_open != NULL) {
            str_printf(what, "milterkit-%s fails open: %s, so when it is down mail passes "
                             "unfiltered\n", x->ml->name, e->fail_open);
            worse(v, CK_FAIL);
            v->list_wrong = true;
        }
    }
    if (v->by_action.len > 0)
        str_printf(what, "%s: when %s is down, mail passes unfiltered\n", v->action,
                   v->by_action.buf);
}

static void chain_one(ck_report *r, const ck_conf *c, const ck_mta *m, const ck_mta_chain *ch)
{
    found f[CK_MILTERS];
    size_t nf;
    str_t item, what, fix;
    verdict v = {.st = CK_OK};

    find_ours(c, ch, f, &nf);
    str_init(&item), str_init(&what), str_init(&fix), str_init(&v.by_action);
    str_printf(&item, "mta milters %s", ch->where);
    judge(ch, f, nf, &v, &what);
    if (v.st == CK_OK) {
        /* A foreign milter after dkim may change what was signed. */
        size_t dkim_at = ch->n;

        for (size_t i = 0; i < nf; i++)
            if (strcmp(f[i].ml->name, "dkim") == 0)
                dkim_at = f[i].index;
        for (size_t j = dkim_at + 1; dkim_at < ch->n && j < ch->n; j++) {
            str_printf(&what, "%s runs after milterkit-dkim: if it changes headers or the "
                              "body, the signatures break\n", ch->e[j].raw);
            v.st = CK_WARN;
            v.list_wrong = true;
        }
    }
    if (v.st == CK_OK) {
        ck_itemf(r, CK_OK, item.buf, NULL, "%zu of ours in order (relay, masq, dkim), none "
                 "failing open", nf);
    } else {
        if (what.len > 0 && what.buf[what.len - 1] == '\n')
            str_truncate(&what, what.len - 1);
        if (v.list_wrong)
            wanted(m, ch, f, nf, &fix);
        if (v.by_action.len > 0 && ch->action_fix != NULL)
            str_printf(&fix, "%s%s", fix.len ? "\n" : "", ch->action_fix);
        ck_item(r, v.st, item.buf, what.buf, fix.buf);
    }
    for (size_t i = 0; i < nf; i++)
        ck_sock_free(&f[i].sock);
    str_free(&item), str_free(&what), str_free(&fix), str_free(&v.by_action);
}

void ck_mta_check_chains(ck_report *r, const ck_conf *c, const ck_mta *m)
{
    for (size_t i = 0; i < m->nchains; i++)
        chain_one(r, c, m, &m->chains[i]);
}
