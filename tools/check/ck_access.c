/* ck_access.c - unix socket permissions judged for a user; see ck_access.h. */
#include "config.h"

#include "ck_access.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

#define MAX_GROUPS 1024

static char *group_name(gid_t gid)
{
    struct group *gr = getgrgid(gid);
    str_t s;

    if (gr != NULL)
        return mem_strdup(gr->gr_name);
    str_init(&s);
    str_printf(&s, "%ld", (long)gid);
    return str_steal(&s);
}

int ck_user_lookup(const char *name, ck_user *u, str_t *why)
{
    struct passwd *pw;
    gid_t groups[MAX_GROUPS];
    int n = MAX_GROUPS;

    memset(u, 0, sizeof *u);
    errno = 0;
    pw = getpwnam(name);
    if (pw == NULL) {
        str_printf(why, "no user %s on this system", name);
        return -1;
    }
    if (getgrouplist(name, pw->pw_gid, groups, &n) < 0) {
        str_printf(why, "user %s is in more than %d groups", name, MAX_GROUPS);
        return -1;
    }
    ck_user_make(u, name, pw->pw_uid, pw->pw_gid, groups, (size_t)n);
    return 0;
}

void ck_user_make(ck_user *u, const char *name, uid_t uid, gid_t gid, const gid_t *groups,
                  size_t ngroups)
{
    memset(u, 0, sizeof *u);
    u->name = mem_strdup(name);
    u->uid = uid;
    u->gid = gid;
    u->group = group_name(gid);
    u->groups = mem_array(ngroups + 1, sizeof *u->groups);
    u->groups[u->ngroups++] = gid;
    for (size_t i = 0; i < ngroups; i++)
        if (groups[i] != gid)
            u->groups[u->ngroups++] = groups[i];
}

void ck_user_free(ck_user *u)
{
    mem_free(&u->name);
    mem_free(&u->group);
    mem_free(&u->groups);
    u->ngroups = 0;
}

bool ck_user_in_group(const ck_user *u, gid_t gid)
{
    for (size_t i = 0; i < u->ngroups; i++)
        if (u->groups[i] == gid)
            return true;
    return false;
}

void ck_access_result_init(ck_access_result *r)
{
    memset(r, 0, sizeof *r);
    str_init(&r->where);
    str_init(&r->why);
}

void ck_access_result_free(ck_access_result *r)
{
    str_free(&r->where);
    str_free(&r->why);
}

/* Does u get the permission bits of want (04 read, 02 write, 01 search)? */
static bool allowed(const ck_user *u, const struct stat *st, unsigned want)
{
    unsigned bits;

    if (u->uid == 0)
        return true; /* root: DAC does not apply (search needs some x bit on dirs) */
    if (st->st_uid == u->uid)
        bits = (st->st_mode >> 6) & 7;
    else if (ck_user_in_group(u, st->st_gid))
        bits = (st->st_mode >> 3) & 7;
    else
        bits = st->st_mode & 7;
    return (bits & want) == want;
}

static ck_access_status denied(ck_access_result *r, const char *where, const struct stat *st,
                               bool dir, const ck_user *u, unsigned want)
{
    r->status = CK_ACCESS_DENIED;
    str_append_cstr(&r->where, where);
    r->directory = dir;
    r->mode = st->st_mode & 07777;
    r->owner = st->st_uid;
    r->group = st->st_gid;
    {
        struct passwd *pw = getpwuid(st->st_uid);
        struct group *gr = getgrgid(st->st_gid);
        char uid[24], gid[24];

        snprintf(uid, sizeof uid, "%ld", (long)st->st_uid);
        snprintf(gid, sizeof gid, "%ld", (long)st->st_gid);
        str_printf(&r->why, "%s (mode %04o, owner %s, group %s): %s may not %s it", where,
                   (unsigned)r->mode, pw != NULL ? pw->pw_name : uid,
                   gr != NULL ? gr->gr_name : gid, u->name,
                   dir ? "search (x)" : want == 4 ? "read" : "write to");
    }
    return r->status;
}

static ck_access_status failed(ck_access_result *r, const char *where, int e)
{
    r->status = e == ENOENT || e == ENOTDIR ? CK_ACCESS_MISSING : CK_ACCESS_ERROR;
    str_append_cstr(&r->where, where);
    str_printf(&r->why, "%s: %s", where, strerror(e));
    return r->status;
}

/* Checks search permission on every directory of dir (a real path). */
static ck_access_status walk(const ck_user *u, const char *dir, ck_access_result *r)
{
    size_t n = strlen(dir);
    char *p = mem_strdup(dir);
    ck_access_status st = CK_ACCESS_OK;

    for (size_t i = 1; i <= n && st == CK_ACCESS_OK; i++) {
        struct stat sb;

        if (dir[i] != '/' && dir[i] != '\0')
            continue;
        p[i] = '\0';
        if (stat(p, &sb) != 0)
            st = failed(r, p, errno);
        else if (u->uid == 0 ? (sb.st_mode & 0111) == 0 : !allowed(u, &sb, 1))
            st = denied(r, p, &sb, true, u, 1);
        p[i] = dir[i];
    }
    {
        struct stat root;

        if (st == CK_ACCESS_OK && stat("/", &root) == 0 && !allowed(u, &root, 1))
            st = denied(r, "/", &root, true, u, 1);
    }
    mem_free(&p);
    return st;
}

/* The directories of path, then path itself: want on a socket or a file. */
static ck_access_status check(const ck_user *u, const char *path, unsigned want, bool socket,
                              ck_access_result *r)
{
    const char *slash = strrchr(path, '/');
    char *dir, *real;
    struct stat sb;
    ck_access_status st;

    r->status = CK_ACCESS_OK;
    if (slash == NULL || path[0] != '/')
        return failed(r, path, EINVAL);
    dir = mem_strndup(path, slash == path ? 1 : (size_t)(slash - path));
    real = realpath(dir, NULL);
    if (real == NULL) {
        st = failed(r, dir, errno);
        mem_free(&dir);
        return st;
    }
    mem_free(&dir);
    st = strcmp(real, "/") == 0 ? CK_ACCESS_OK : walk(u, real, r);
    free(real);
    if (st != CK_ACCESS_OK)
        return st;
    if ((socket ? lstat(path, &sb) : stat(path, &sb)) != 0)
        return failed(r, path, errno);
    if (socket ? !S_ISSOCK(sb.st_mode) : !S_ISREG(sb.st_mode)) {
        r->status = CK_ACCESS_ERROR;
        str_append_cstr(&r->where, path);
        str_printf(&r->why, "%s is not a %s", path, socket ? "socket" : "regular file");
        return r->status;
    }
    if (!allowed(u, &sb, want))
        return denied(r, path, &sb, false, u, want);
    return CK_ACCESS_OK;
}

ck_access_status ck_access_unix(const ck_user *u, const char *path, ck_access_result *r)
{
    return check(u, path, 2, true, r);
}

ck_access_status ck_access_read(const ck_user *u, const char *path, ck_access_result *r)
{
    return check(u, path, 4, false, r);
}
