/*
 * dkimkey_path.c - the key file rule (see dkimkey.h): dkimkey_reader_for()
 * finds the account a key is judged for, dkimkey_check_path() walks each
 * directory from / down to the file, for the path as given (made
 * absolute) and for its real path, so that neither a symlink nor its
 * target can be swapped, and judges the file itself.  Every refusal says
 * what to run to fix it, naming users and groups by name.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim/dkimkey.h"
#include "core/mem.h"

/* ---- names ---- */

/* Scratch size for the getpw*_r / getgr*_r calls, grown on ERANGE. */
static size_t nss_bufsize(int name)
{
    long n = sysconf(name);

    return n > 0 && n < 1024 * 1024 ? (size_t)n : 16384;
}

/* The name of uid, or "uid N" when it has none. */
static char *user_name(uid_t uid)
{
    size_t size = nss_bufsize(_SC_GETPW_R_SIZE_MAX);
    struct passwd pw, *res = NULL;
    char *buf, *name;
    str_t s;
    int rc;

    for (;;) {
        buf = mem_alloc(size);
        rc = getpwuid_r(uid, &pw, buf, size, &res);
        if (rc != ERANGE || size > 1024 * 1024)
            break;
        mem_free(&buf);
        size *= 4;
    }
    if (rc == 0 && res != NULL) {
        name = mem_strdup(pw.pw_name);
    } else {
        str_init(&s);
        str_printf(&s, "uid %lu", (unsigned long)uid);
        name = str_steal(&s);
    }
    mem_free(&buf);
    return name;
}

/* The name of gid, or "gid N". */
static char *group_name(gid_t gid)
{
    size_t size = nss_bufsize(_SC_GETGR_R_SIZE_MAX);
    struct group gr, *res = NULL;
    char *buf, *name;
    str_t s;
    int rc;

    for (;;) {
        buf = mem_alloc(size);
        rc = getgrgid_r(gid, &gr, buf, size, &res);
        if (rc != ERANGE || size > 1024 * 1024)
            break;
        mem_free(&buf);
        size *= 4;
    }
    if (rc == 0 && res != NULL) {
        name = mem_strdup(gr.gr_name);
    } else {
        str_init(&s);
        str_printf(&s, "gid %lu", (unsigned long)gid);
        name = str_steal(&s);
    }
    mem_free(&buf);
    return name;
}

static int lookup_user(const char *user, uid_t *uid_r, gid_t *gid_r, str_t *why)
{
    size_t size = nss_bufsize(_SC_GETPW_R_SIZE_MAX);
    struct passwd pw, *res = NULL;
    char *buf;
    int rc;

    for (;;) {
        buf = mem_alloc(size);
        rc = getpwnam_r(user, &pw, buf, size, &res);
        if (rc != ERANGE || size > 1024 * 1024)
            break;
        mem_free(&buf);
        size *= 4;
    }
    if (rc == 0 && res != NULL) {
        *uid_r = pw.pw_uid;
        *gid_r = pw.pw_gid;
    } else if (rc == 0) {
        str_printf(why, "no such user %s (site.user)", user);
    } else {
        str_printf(why, "cannot look up user %s: %s", user, strerror(rc));
    }
    mem_free(&buf);
    return rc == 0 && res != NULL ? 0 : -1;
}

static int lookup_group(const char *group, gid_t *gid_r, str_t *why)
{
    size_t size = nss_bufsize(_SC_GETGR_R_SIZE_MAX);
    struct group gr, *res = NULL;
    char *buf;
    int rc;

    for (;;) {
        buf = mem_alloc(size);
        rc = getgrnam_r(group, &gr, buf, size, &res);
        if (rc != ERANGE || size > 1024 * 1024)
            break;
        mem_free(&buf);
        size *= 4;
    }
    if (rc == 0 && res != NULL)
        *gid_r = gr.gr_gid;
    else if (rc == 0)
        str_printf(why, "no such group %s (site.group)", group);
    else
        str_printf(why, "cannot look up group %s: %s", group, strerror(rc));
    mem_free(&buf);
    return rc == 0 && res != NULL ? 0 : -1;
}

int dkimkey_reader_named(const char *user, const char *group, dkimkey_reader_t *r, str_t *why)
{
    memset(r, 0, sizeof *r);
    if (user == NULL || lookup_user(user, &r->uid, &r->gid, why) < 0) {
        if (user == NULL)
            str_append_cstr(why, "no user to judge key files for (site.user)");
        return -1;
    }
    if (group != NULL && lookup_group(group, &r->gid, why) < 0)
        return -1;
    r->user = user_name(r->uid);
    r->group = group_name(r->gid);
    return 0;
}

int dkimkey_reader_for(const char *user, const char *group, dkimkey_reader_t *r, str_t *why)
{
    if (geteuid() == 0)
        return dkimkey_reader_named(user, group, r, why);
    memset(r, 0, sizeof *r);
    r->uid = geteuid();
    r->gid = getegid();
    r->user = user_name(r->uid);
    r->group = group_name(r->gid);
    return 0;
}

void dkimkey_reader_free(dkimkey_reader_t *r)
{
    if (r == NULL)
        return;
    mem_free(&r->user);
    mem_free(&r->group);
}

/* ---- the rule ---- */

/* Appends path for a shell command: as is when it holds only safe
 * characters, else in single quotes. */
static void append_shell_word(str_t *out, const char *path)
{
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789_./-+:@,=";

    if (path[0] != '\0' && strspn(path, safe) == strlen(path)) {
        str_append_cstr(out, path);
        return;
    }
    str_append_char(out, '\'');
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '\'')
            str_append_cstr(out, "'\\''");
        else
            str_append_char(out, *p);
    }
    str_append_char(out, '\'');
}

/* The access bits (r=4, w=2, x=1) that r gets on st, as the kernel picks
 * them: the owner's if r owns it, else the group's if it is r's group,
 * else the others'.  Root gets everything. */
static unsigned access_of(const struct stat *st, const dkimkey_reader_t *r)
{
    if (r->uid == 0)
        return 7;
    if (st->st_uid == r->uid)
        return (st->st_mode >> 6) & 7;
    if (st->st_gid == r->gid)
        return (st->st_mode >> 3) & 7;
    return st->st_mode & 7;
}

static bool owner_ok(const struct stat *st, const dkimkey_reader_t *r)
{
    return st->st_uid == 0 || st->st_uid == r->uid;
}

/* The command that gives the key file at path a mode the rule accepts,
 * keeping its owner when it can. */
static void file_fix(const char *path, const struct stat *st, const dkimkey_reader_t *r,
                     str_t *out)
{
    if (st->st_uid == r->uid) {
        str_append_cstr(out, "chmod 0600 ");
    } else if (st->st_gid == r->gid) {
        str_append_cstr(out, "chmod 0640 ");
    } else {
        str_printf(out, "chown %s ", r->user);
        append_shell_word(out, path);
        str_append_cstr(out, " && chmod 0600 ");
    }
    append_shell_word(out, path);
}

int dkimkey_check_stat(const char *path, const struct stat *st, const dkimkey_reader_t *r,
                       str_t *why)
{
    unsigned mode = (unsigned)(st->st_mode & 07777);
    char *owner, *group;
    str_t fix;
    int ret = -1;

    if (!S_ISREG(st->st_mode)) {
        str_printf(why, "%s: not a regular file", path);
        return -1;
    }
    owner = user_name(st->st_uid);
    group = group_name(st->st_gid);
    str_init(&fix);
    if (!owner_ok(st, r)) {
        str_printf(&fix, "chown %s ", r->user);
        append_shell_word(&fix, path);
        str_printf(why, "%s: key file is owned by %s, not by root nor %s; run `%s`", path, owner,
                   r->user, fix.buf);
    } else if ((mode & 022) != 0) {
        file_fix(path, st, r, &fix);
        str_printf(why, "%s: key file is writable by %s (mode %04o); run `%s`", path,
                   (mode & 002) != 0 ? "others" : "its group", mode, fix.buf);
    } else if ((mode & 004) != 0) {
        file_fix(path, st, r, &fix);
        str_printf(why, "%s: key file is readable by others (mode %04o); run `%s`", path, mode,
                   fix.buf);
    } else if ((mode & 040) != 0 && st->st_gid != r->gid) {
        file_fix(path, st, r, &fix);
        str_printf(why, "%s: key file is readable by group %s (mode %04o), not only by %s; run `%s`",
                   path, group, mode, r->user, fix.buf);
    } else if ((access_of(st, r) & 4) == 0) {
        str_printf(&fix, "chown %s ", r->user);
        append_shell_word(&fix, path);
        str_printf(&fix, "` or `chgrp %s ", r->group);
        append_shell_word(&fix, path);
        str_append_cstr(&fix, " && chmod 0640 ");
        append_shell_word(&fix, path);
        str_printf(why,
                   "%s: key file (owner %s, group %s, mode %04o) is not readable by %s, the user "
                   "the daemon runs as, so a reload could not read it; run `%s`",
                   path, owner, group, mode, r->user, fix.buf);
    } else {
        ret = 0;
    }
    str_free(&fix);
    mem_free(&owner);
    mem_free(&group);
    return ret;
}

/* Checks one directory; prefix is its path, for the message. */
static int check_dir(const char *prefix, const dkimkey_reader_t *r, str_t *why)
{
    unsigned mode;
    struct stat st;
    char *owner;
    str_t fix;
    int ret = -1;

    if (stat(prefix, &st) < 0) {
        str_printf(why, "%s: %s", prefix, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        str_printf(why, "%s: not a directory", prefix);
        return -1;
    }
    mode = (unsigned)(st.st_mode & 07777);
    owner = user_name(st.st_uid);
    str_init(&fix);
    append_shell_word(&fix, prefix);
    if (!owner_ok(&st, r)) {
        str_printf(why, "%s: directory on the key path is owned by %s, not by root nor %s", prefix,
                   owner, r->user);
    } else if ((mode & 002) != 0) {
        /* Sticky or not: whoever can create entries here can make the
         * path name something else before we are started. */
        str_printf(why,
                   "%s: directory on the key path is writable by others (mode %04o); keep keys "
                   "in a directory only root or %s can write, e.g. /etc/milterkit/keys",
                   prefix, mode, r->user);
    } else if ((mode & 020) != 0) {
        str_printf(why, "%s: directory on the key path is writable by its group (mode %04o); "
                   "run `chmod g-w %s`", prefix, mode, fix.buf);
    } else if ((access_of(&st, r) & 1) == 0) {
        str_printf(why, "%s: directory on the key path cannot be entered by %s (owner %s, mode "
                   "%04o); run `chmod %s+x %s`", prefix, r->user, owner, mode,
                   st.st_uid == r->uid ? "u" : st.st_gid == r->gid ? "g" : "o", fix.buf);
    } else {
        ret = 0;
    }
    str_free(&fix);
    mem_free(&owner);
    return ret;
}

/* Walks every directory prefix of the absolute path abs, then the file. */
static int check_chain(const char *abs, const dkimkey_reader_t *r, str_t *why)
{
    size_t len = strlen(abs);
    char *prefix = mem_strdup(abs);
    struct stat st;
    int ret = 0;

    if (check_dir("/", r, why) < 0) {
        mem_free(&prefix);
        return -1;
    }
    for (size_t i = 1; i < len && ret == 0; i++) {
        if (abs[i] != '/' || abs[i - 1] == '/')
            continue;
        prefix[i] = '\0';
        ret = check_dir(prefix, r, why);
        prefix[i] = '/';
    }
    mem_free(&prefix);
    if (ret != 0)
        return ret;
    if (stat(abs, &st) < 0) {
        str_printf(why, "%s: %s", abs, strerror(errno));
        return -1;
    }
    return dkimkey_check_stat(abs, &st, r, why);
}

static char *make_absolute(const char *path, str_t *why)
{
    str_t abs;
    char *cwd;

    if (path[0] == '/')
        return mem_strdup(path);
    cwd = getcwd(NULL, 0);
    if (cwd == NULL) {
        str_printf(why, "%s: cannot get the current directory: %s", path, strerror(errno));
        return NULL;
    }
    str_init(&abs);
    str_printf(&abs, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
    free(cwd);
    return str_steal(&abs);
}

int dkimkey_check_path(const char *path, const dkimkey_reader_t *reader, str_t *why)
{
    char *abs, *real;
    int ret;

    if (path == NULL || path[0] == '\0') {
        str_append_cstr(why, "empty key file name");
        return -1;
    }
    abs = make_absolute(path, why);
    if (abs == NULL)
        return -1;
    ret = check_chain(abs, reader, why);
    if (ret == 0) {
        real = realpath(abs, NULL);
        if (real == NULL) {
            str_printf(why, "%s: %s", path, strerror(errno));
            ret = -1;
        } else {
            if (strcmp(real, abs) != 0)
                ret = check_chain(real, reader, why);
            free(real);
        }
    }
    mem_free(&abs);
    return ret;
}
