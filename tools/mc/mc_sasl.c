/* mc_sasl.c - Cyrus SASL config and its checks; see mc_sasl.h. */
#include "config.h"

#include "mc_sasl.h"

#include "mc_file.h"
#include "mc_msg.h"
#include "core/fileio.h"
#include "core/mem.h"

#include <errno.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libsasl2's saslauthd socket, also inside Postfix's chroot. */
#define SASLAUTHD_MUX "/var/run/saslauthd/mux"
/* Where a chrooted smtpd opens the sasldb, relative to the chroot. */
#define SASLDB_IN_CHROOT "/etc/sasldb2"
/* Where Cyrus SASL looks for APP.conf (Debian 12's libsasl2, in order);
 * TRIPLET is found with a glob. */
#define SASL_PATH_HEAD "/etc/sasl2:/etc/sasl"
#define SASL_PATH_TAIL "/usr/lib/sasl2"

static bool is_postfix(const mc_job *j)
{
    return strcmp(j->flavor, "postfix") == 0;
}

static bool chrooted(const mc_job *j)
{
    return is_postfix(j) && j->mta.postfix.chroot;
}

static bool auxprop(const mc_job *j)
{
    return strcmp(j->mta.submission.sasl_pwcheck, "auxprop") == 0;
}

const char *mc_sasl_conf_name(const mc_job *j)
{
    return is_postfix(j) ? "sasl/smtpd.conf" : "sasl/Sendmail.conf.2";
}

/* QUEUE_DIRECTORY + rel, without a doubled slash. */
static void in_chroot(const mc_job *j, const char *rel, str_t *out)
{
    const char *q = j->mta.postfix.queue_directory;
    size_t n = strlen(q);

    while (n > 1 && q[n - 1] == '/')
        n--;
    str_printf(out, "%.*s%s", (int)n, q, rel);
}

/* The command that refreshes the chroot copy. */
static void sync_command(const mc_job *j, str_t *out)
{
    if (strcmp(j->conf_path, SYSCONFDIR "/milterkit/milterkit.conf") == 0)
        str_append_cstr(out, "milterkit-mc --sync-sasldb");
    else
        str_printf(out, "milterkit-mc -c %s --sync-sasldb", j->conf_path);
}

void mc_sasl_conf(const mc_job *j, str_t *out)
{
    const mc_submission *s = &j->mta.submission;
    str_t copy, cmd;

    str_init(&copy);
    str_init(&cmd);
    mc_file_header(out, "# ", j->conf_path);
    str_printf(out, "# Cyrus SASL for SMTP AUTH on the submission port (%s reads it as\n# %s/%s).\n",
               is_postfix(j) ? "Postfix's smtpd, smtpd_sasl_path = smtpd," : "sendmail",
               j->config_dir, mc_sasl_conf_name(j));
    if (auxprop(j)) {
        str_printf(out, "# The users: saslpasswd2 -c -u %s USER", j->site.hostname);
        if (strcmp(s->sasldb, MC_SASLDB_DEFAULT) != 0)
            str_printf(out, " -f %s", s->sasldb);
        str_append_char(out, '\n');
        if (mc_sasl_chroot_copy(j, &copy)) {
            sync_command(j, &cmd);
            str_printf(out,
                       "# smtpd runs chrooted: it opens " SASLDB_IN_CHROOT " as %s,\n"
                       "# a copy of %s to refresh after every saslpasswd2:\n#   %s\n",
                       copy.buf, s->sasldb, cmd.buf);
        }
        str_printf(out, "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s\n",
                   chrooted(j) ? SASLDB_IN_CHROOT : s->sasldb);
    } else {
        if (chrooted(j)) {
            in_chroot(j, SASLAUTHD_MUX, &copy);
            str_printf(out, "# smtpd runs chrooted: saslauthd's socket must be %s\n", copy.buf);
        }
        str_append_cstr(out, "pwcheck_method: saslauthd\n");
    }
    str_append_cstr(out, "mech_list:");
    for (size_t i = 0; i < s->auth_mechanisms.count; i++)
        str_printf(out, " %s", s->auth_mechanisms.items[i]);
    str_append_char(out, '\n');
    str_free(&copy);
    str_free(&cmd);
}

bool mc_sasl_chroot_copy(const mc_job *j, str_t *out)
{
    if (!j->mta.submission.enable || !chrooted(j) || !auxprop(j))
        return false;
    in_chroot(j, SASLDB_IN_CHROOT, out);
    return true;
}

/* ---- who may read what ---- */

typedef struct who {
    const char *name;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    int ngroups;
} who;

static int who_lookup(const char *name, who *w)
{
    struct passwd *pw = getpwnam(name);
    int n = 32;

    memset(w, 0, sizeof *w);
    if (pw == NULL)
        return -1;
    w->name = name;
    w->uid = pw->pw_uid;
    w->gid = pw->pw_gid;
    for (int tries = 0; tries < 4; tries++) {
        w->groups = mem_realloc_array(w->groups, (size_t)n, sizeof *w->groups);
        w->ngroups = n;
        if (getgrouplist(name, pw->pw_gid, w->groups, &w->ngroups) >= 0)
            return 0;
        n = w->ngroups > n ? w->ngroups : n * 2;
    }
    w->ngroups = 1;
    w->groups[0] = pw->pw_gid;
    return 0;
}

static void who_free(who *w)
{
    mem_free(&w->groups);
}

/* Whether w has the permission bits (4 read, 2 write, 1 search) on st. */
static bool can(const who *w, const struct stat *st, unsigned bits)
{
    if (w->uid == 0)
        return true;
    if (st->st_uid == w->uid)
        return ((st->st_mode >> 6) & bits) == bits;
    for (int i = 0; i < w->ngroups; i++)
        if (st->st_gid == w->groups[i])
            return ((st->st_mode >> 3) & bits) == bits;
    return (st->st_mode & bits) == bits;
}

static const char *group_name(gid_t gid, str_t *buf)
{
    struct group *g = getgrgid(gid);

    str_clear(buf);
    if (g)
        str_append_cstr(buf, g->gr_name);
    else
        str_printf(buf, "%lu", (unsigned long)gid);
    return buf->buf;
}

/* The directory of path, in out. */
static void parent_of(const char *path, str_t *out)
{
    const char *slash = strrchr(path, '/');

    str_clear(out);
    if (slash == NULL || slash == path)
        str_append_cstr(out, "/");
    else
        str_append(out, path, (size_t)(slash - path));
}

/* The user database: present (else no user can log in), not readable by
 * everyone.  Returns 0, or -1 (reported). */
static int check_sasldb_source(const mc_job *j, struct stat *st)
{
    const char *db = j->mta.submission.sasldb;

    if (stat(db, st) < 0) {
        mc_error_at("mta.submission.sasldb",
                    "%s: %s: no user can authenticate on the submission port; add one: "
                    "saslpasswd2 -c -u %s USER%s%s",
                    db, strerror(errno), j->site.hostname,
                    strcmp(db, MC_SASLDB_DEFAULT) ? " -f " : "",
                    strcmp(db, MC_SASLDB_DEFAULT) ? db : "");
        return -1;
    }
    if (st->st_mode & S_IROTH)
        mc_warn_at("mta.submission.sasldb",
                   "%s: every user of this machine can read the passwords: chmod o-rwx %s", db,
                   db);
    return 0;
}

/* smtpd not chrooted: it opens the database itself. */
static int check_unchrooted(const mc_job *j, const who *w, const struct stat *st)
{
    const char *db = j->mta.submission.sasldb;
    str_t g;

    if (can(w, st, 4))
        return 0;
    str_init(&g);
    if (st->st_mode & S_IRGRP)
        mc_error_at("mta.submission.sasldb",
                    "%s: Postfix's smtpd (user %s) cannot read it: adduser %s %s, then "
                    "postfix reload",
                    db, w->name, w->name, group_name(st->st_gid, &g));
    else
        mc_error_at("mta.submission.sasldb",
                    "%s: Postfix's smtpd (user %s) cannot read it: chgrp %s %s && chmod g+r %s",
                    db, w->name, group_name(w->gid, &g), db, db);
    str_free(&g);
    return -1;
}

/* smtpd chrooted: the copy in the chroot. */
static int check_copy(const mc_job *j, const who *w)
{
    const char *db = j->mta.submission.sasldb;
    str_t copy, dir, cmd, g;
    struct stat st, dst;
    const char *problem = NULL;
    int rc = 0;

    str_init(&copy), str_init(&dir), str_init(&cmd), str_init(&g);
    mc_sasl_chroot_copy(j, &copy);
    parent_of(copy.buf, &dir);
    sync_command(j, &cmd);
    if (stat(copy.buf, &st) < 0)
        problem = errno == ENOENT ? "missing" : strerror(errno);
    else if (stat(dir.buf, &dst) == 0 && !can(w, &dst, 1))
        problem = "in a directory Postfix's smtpd cannot enter";
    else if (!can(w, &st, 4))
        problem = "Postfix's smtpd cannot read it";
    else if (!fileio_same(db, copy.buf))
        problem = "differs from the user database (a user or password changed since it "
                  "was copied)";
    if (problem != NULL && j->apply)
        mc_note("%s: %s; --apply copies %s there", copy.buf, problem, db);
    else if (problem != NULL) {
        mc_error("%s: %s.  Postfix's smtpd runs chrooted in %s as user %s and reads the "
                 "SASL users there, as /etc/sasldb2, from a copy of %s: run %s (or: install "
                 "-m 0640 -o root -g %s %s %s), and again after every saslpasswd2",
                 copy.buf, problem, j->mta.postfix.queue_directory, w->name, db, cmd.buf,
                 group_name(w->gid, &g), db, copy.buf);
        rc = -1;
    }
    str_free(&copy), str_free(&dir), str_free(&cmd), str_free(&g);
    return rc;
}

/* saslauthd: its socket where the MTA looks for it.  w NULL: root. */
static int check_saslauthd(const char *mux, const who *w, const char *hint)
{
    struct stat st;
    str_t dir;
    int rc = 0;

    str_init(&dir);
    parent_of(mux, &dir);
    if (stat(mux, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        mc_error_at("mta.submission.sasl_pwcheck",
                    "\"saslauthd\", but there is no saslauthd socket %s%s", mux, hint);
        rc = -1;
    } else if (w != NULL && stat(dir.buf, &st) == 0 && !can(w, &st, 1)) {
        mc_error_at("mta.submission.sasl_pwcheck",
                    "Postfix's smtpd (user %s) cannot reach saslauthd's socket in %s: adduser "
                    "%s sasl, then postfix reload",
                    w->name, dir.buf, w->name);
        rc = -1;
    }
    str_free(&dir);
    return rc;
}

int mc_sasl_check_postfix(const mc_job *j, const char *user)
{
    struct stat st;
    who w;
    int rc;

    if (!j->mta.submission.enable)
        return 0;
    if (who_lookup(user, &w) < 0) {
        mc_error("Postfix's mail_owner %s: no such user", user);
        return -1;
    }
    if (!auxprop(j) && chrooted(j)) {
        str_t mux, hint;

        str_init(&mux), str_init(&hint);
        in_chroot(j, SASLAUTHD_MUX, &mux);
        str_printf(&hint,
                   ": Postfix's smtpd runs chrooted in %s; in /etc/default/saslauthd set "
                   "OPTIONS=\"-c -m %s%s\", then: adduser %s sasl; systemctl restart saslauthd",
                   j->mta.postfix.queue_directory, j->mta.postfix.queue_directory,
                   "/var/run/saslauthd", user);
        rc = check_saslauthd(mux.buf, &w, hint.buf);
        str_free(&mux), str_free(&hint);
    } else if (!auxprop(j))
        rc = check_saslauthd(SASLAUTHD_MUX, &w, ": is saslauthd running?");
    else if (check_sasldb_source(j, &st) < 0)
        rc = -1;
    else if (chrooted(j))
        rc = check_copy(j, &w);
    else
        rc = check_unchrooted(j, &w, &st);
    who_free(&w);
    return rc;
}

int mc_sasl_copy(const mc_job *j, const char *user, const char *path, str_t *why)
{
    str_t dir;
    who w;
    int rc = -1;

    if (who_lookup(user, &w) < 0) {
        str_printf(why, "Postfix's mail_owner %s: no such user", user);
        return -1;
    }
    str_init(&dir);
    parent_of(path, &dir);
    if (fileio_mkdirs(dir.buf, 0755) < 0)
        str_printf(why, "%s: %s", dir.buf, strerror(errno));
    else
        rc = fileio_copy(j->mta.submission.sasldb, path, 0640, 0, w.gid, why);
    str_free(&dir);
    who_free(&w);
    return rc;
}

/* ---- sendmail: which Sendmail.conf Cyrus SASL reads ---- */

/* Cyrus SASL's search path, ':'-separated. */
static void search_path(str_t *out)
{
    const char *env = getenv("MILTERKIT_MC_SASL_PATH");
    glob_t g;

    if (env != NULL && *env != '\0') {
        str_append_cstr(out, env);
        return;
    }
    str_append_cstr(out, SASL_PATH_HEAD);
    if (glob("/usr/lib/*-linux-gnu*/sasl2", GLOB_ONLYDIR, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            str_printf(out, ":%s", g.gl_pathv[i]);
        globfree(&g);
    }
    str_append_cstr(out, ":" SASL_PATH_TAIL);
}

/* The first DIR/Sendmail.conf that exists (a dangling link counts) on the
 * search path, in first; the last directory of the path in last. */
static void first_conf(str_t *first, str_t *last, str_t *path)
{
    const char *p;

    search_path(path);
    for (p = path->buf; *p;) {
        size_t n = strcspn(p, ":");
        struct stat st;

        if (n > 0) {
            str_clear(last);
            str_append(last, p, n);
            if (first->len == 0) {
                str_printf(first, "%s/Sendmail.conf", last->buf);
                if (lstat(first->buf, &st) < 0)
                    str_clear(first);
            }
        }
        p += n + (p[n] == ':');
    }
}

/* Whether path is ours or leads to it. */
static bool leads_to(const char *path, const char *ours)
{
    char target[PATH_MAX], *a, *b;
    ssize_t n = readlink(path, target, sizeof target - 1);
    bool same;

    if (strcmp(path, ours) == 0)
        return true;
    if (n > 0) {
        target[n] = '\0';
        if (strcmp(target, ours) == 0)
            return true;
    }
    a = realpath(path, NULL);
    b = realpath(ours, NULL);
    same = a != NULL && b != NULL && strcmp(a, b) == 0;
    free(a);
    free(b);
    return same;
}

int mc_sasl_check_sendmail(const mc_job *j)
{
    str_t ours, first, last, path;
    struct stat st;
    int rc = 0;

    if (!j->mta.submission.enable)
        return 0;
    str_init(&ours), str_init(&first), str_init(&last), str_init(&path);
    str_printf(&ours, "%s/%s", j->config_dir, mc_sasl_conf_name(j));
    first_conf(&first, &last, &path);
    if (first.len == 0 && j->apply)
        mc_note("no Sendmail.conf on Cyrus SASL's path %s: --apply links %s/Sendmail.conf "
                "to %s", path.buf, last.buf, ours.buf);
    else if (first.len == 0) {
        mc_error("sendmail reads no Sendmail.conf (Cyrus SASL looks in %s), so not %s: "
                 "ln -s %s %s/Sendmail.conf",
                 path.buf, ours.buf, ours.buf, last.buf);
        rc = -1;
    } else if (!leads_to(first.buf, ours.buf)) {
        mc_error("sendmail reads %s (the first Sendmail.conf on Cyrus SASL's path %s), not "
                 "%s: mv %s %s.orig && ln -s %s %s",
                 first.buf, path.buf, ours.buf, first.buf, first.buf, ours.buf, first.buf);
        rc = -1;
    }
    if (auxprop(j) && check_sasldb_source(j, &st) < 0)
        rc = -1;
    else if (!auxprop(j) && check_saslauthd(SASLAUTHD_MUX, NULL, ": is saslauthd running?") < 0)
        rc = -1;
    str_free(&ours), str_free(&first), str_free(&last), str_free(&path);
    return rc;
}

int mc_sasl_link(const mc_job *j, str_t *made, str_t *why)
{
    str_t ours, first, last, path;
    int rc = 0;

    str_clear(made);
    if (!j->mta.submission.enable || is_postfix(j))
        return 0;
    str_init(&ours), str_init(&first), str_init(&last), str_init(&path);
    str_printf(&ours, "%s/%s", j->config_dir, mc_sasl_conf_name(j));
    first_conf(&first, &last, &path);
    if (first.len == 0 && last.len > 0) {
        str_printf(made, "%s/Sendmail.conf", last.buf);
        if (fileio_mkdirs(last.buf, 0755) < 0 || symlink(ours.buf, made->buf) < 0) {
            str_printf(why, "%s: %s", made->buf, strerror(errno));
            str_clear(made);
            rc = -1;
        }
    }
    str_free(&ours), str_free(&first), str_free(&last), str_free(&path);
    return rc;
}
