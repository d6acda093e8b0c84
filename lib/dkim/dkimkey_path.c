/*
 * dkimkey_path.c - dkimkey_check_path(): is a key file safe from other
 * users?  The rules are in dkimkey.h.  Each directory from / down to the
 * file is examined, for the path as given (made absolute) and for its
 * real path, so that neither a symlink nor its target can be swapped.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim/dkimkey.h"
#include "core/mem.h"

static bool owner_ok(const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == geteuid();
}

/* Checks one directory; prefix is its path, for the message. */
static int check_dir(const char *prefix, str_t *why)
{
    struct stat st;

    if (stat(prefix, &st) < 0) {
        str_printf(why, "%s: %s", prefix, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        str_printf(why, "%s: not a directory", prefix);
        return -1;
    }
    if ((st.st_mode & S_ISVTX) != 0 && st.st_uid == 0)
        return 0; /* /tmp-like: others cannot replace what is not theirs */
    if ((st.st_mode & S_IWOTH) != 0) {
        str_printf(why, "%s: directory on the key path is writable by others (mode %04o)", prefix,
                   (unsigned)(st.st_mode & 07777));
        return -1;
    }
    if ((st.st_mode & S_IWGRP) != 0) {
        str_printf(why, "%s: directory on the key path is group-writable (mode %04o)", prefix,
                   (unsigned)(st.st_mode & 07777));
        return -1;
    }
    if (!owner_ok(&st)) {
        str_printf(why, "%s: directory on the key path is owned by uid %lu, not root nor us",
                   prefix, (unsigned long)st.st_uid);
        return -1;
    }
    return 0;
}

static int check_file(const char *path, str_t *why)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        str_printf(why, "%s: not a regular file", path);
        return -1;
    }
    if ((st.st_mode & 066) != 0) {
        str_printf(why, "%s: key file is readable or writable by group or others (mode %04o)",
                   path, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    if (!owner_ok(&st)) {
        str_printf(why, "%s: key file is owned by uid %lu, not root nor us", path,
                   (unsigned long)st.st_uid);
        return -1;
    }
    return 0;
}

/* Walks every directory prefix of the absolute path abs, then the file. */
static int check_chain(const char *abs, str_t *why)
{
    size_t len = strlen(abs);
    char *prefix = mem_strdup(abs);
    int ret = 0;

    if (check_dir("/", why) < 0) {
        mem_free(&prefix);
        return -1;
    }
    for (size_t i = 1; i < len && ret == 0; i++) {
        if (abs[i] != '/' || abs[i - 1] == '/')
            continue;
        prefix[i] = '\0';
        ret = check_dir(prefix, why);
        prefix[i] = '/';
    }
    mem_free(&prefix);
    if (ret == 0)
        ret = check_file(abs, why);
    return ret;
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

int dkimkey_check_path(const char *path, str_t *why)
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
    ret = check_chain(abs, why);
    if (ret == 0) {
        real = realpath(abs, NULL);
        if (real == NULL) {
            str_printf(why, "%s: %s", path, strerror(errno));
            ret = -1;
        } else {
            if (strcmp(real, abs) != 0)
                ret = check_chain(real, why);
            free(real);
        }
    }
    mem_free(&abs);
    return ret;
}
