/* fileio.c - bounded reads, atomic replaces, exclusive creates, backups;
 * see fileio.h. */
#include "config.h"

#include "core/fileio.h"

#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fileio_read(const char *path, size_t max, str_t *out, str_t *why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char buf[8192];
    ssize_t n;
    int saved;

    str_clear(out);
    if (fd < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if ((size_t)n > max - out->len) {
            str_printf(why, "%s: larger than %zu bytes", path, max);
            goto fail;
        }
        str_append(out, buf, (size_t)n);
    }
    explicit_bzero(buf, sizeof buf);
    if (n == 0) {
        close(fd);
        return 0;
    }
    str_printf(why, "%s: %s", path, strerror(errno));
fail:
    saved = errno;
    explicit_bzero(buf, sizeof buf);
    explicit_bzero(out->buf, out->len);
    str_clear(out);
    close(fd);
    errno = saved;
    return -1;
}

/* The directory part of path ("." when there is none), in out. */
static void dir_of(const char *path, str_t *out)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        str_append_cstr(out, ".");
    else if (slash == path)
        str_append_cstr(out, "/");
    else
        str_append(out, path, (size_t)(slash - path));
}

/* Best effort: makes a rename in dir durable. */
static void sync_dir(const char *path)
{
    str_t d;
    int fd;

    str_init(&d);
    dir_of(path, &d);
    fd = open(d.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    str_free(&d);
}

/* Opens a new temporary file beside path: ".NAME.XXXXXX", mode 0600. */
static int open_temp(const char *path, str_t *tmp)
{
    const char *slash = strrchr(path, '/');
    int fd;

    str_clear(tmp);
    if (slash)
        str_printf(tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
    else
        str_printf(tmp, ".%s.XXXXXX", path);
    fd = mkstemp(tmp->buf);
    if (fd >= 0)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

/* Writes data, or all that src_fd holds when it is >= 0, to fd. */
static int fill(int fd, const void *data, size_t len, int src_fd)
{
    char buf[65536];
    ssize_t n;
    int rc = 0;

    if (src_fd < 0)
        return write_all(fd, data, len);
    while ((n = read(src_fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || write_all(fd, buf, (size_t)n) < 0) {
            rc = -1;
            break;
        }
    }
    explicit_bzero(buf, sizeof buf);
    return rc;
}

/* Sets the modification time of fd (NULL: leaves it). */
static int set_mtime(int fd, const struct timespec *mtime)
{
    struct timespec times[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};

    if (mtime == NULL)
        return 0;
    times[1] = *mtime;
    return futimens(fd, times);
}

/* The writer behind fileio_replace(), fileio_copy() and fileio_restore():
 * data comes from the buffer, or from src_fd when it is >= 0. */
static int replace(const char *path, const void *data, size_t len, int src_fd, mode_t mode,
                   uid_t uid, gid_t gid, const struct timespec *mtime, str_t *why)
{
    str_t tmp;
    const char *what = "cannot write";
    int fd, saved = 0, rc = -1;

    str_init(&tmp);
    fd = open_temp(path, &tmp);
    if (fd < 0) {
        str_printf(why, "%s: cannot create a file beside it: %s", path, strerror(errno));
        str_free(&tmp);
        return -1;
    }
    if ((uid != FILEIO_KEEP_UID || gid != FILEIO_KEEP_GID) && fchown(fd, uid, gid) < 0)
        what = "cannot set its owner";
    else if (fchmod(fd, mode) < 0)
        what = "cannot set its mode";
    else if (fill(fd, data, len, src_fd) == 0 && set_mtime(fd, mtime) == 0 && fsync(fd) == 0)
        rc = 0;
    if (rc < 0)
        saved = errno;
    if (close(fd) < 0 && rc == 0) {
        saved = errno;
        rc = -1;
    }
    if (rc == 0 && rename(tmp.buf, path) < 0) {
        saved = errno;
        what = "cannot rename the new file over it";
        rc = -1;
    }
    if (rc < 0) {
        unlink(tmp.buf);
        str_printf(why, "%s: %s: %s", path, what, strerror(saved));
    } else
        sync_dir(path);
    str_free(&tmp);
    return rc;
}

int fileio_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
                   gid_t gid, str_t *why)
{
    return replace(path, data, len, -1, mode, uid, gid, NULL, why);
}

int fileio_copy(const char *src, const char *dst, mode_t mode, uid_t uid, gid_t gid,
                str_t *why)
{
    int fd = open(src, O_RDONLY | O_CLOEXEC);
    int rc;

    if (fd < 0) {
        str_printf(why, "%s: %s", src, strerror(errno));
        return -1;
    }
    rc = replace(dst, NULL, 0, fd, mode, uid, gid, NULL, why);
    close(fd);
    return rc;
}

int fileio_create_new(const char *path, const void *data, size_t len, mode_t mode, str_t *why)
{
    mode_t old = umask((mode_t)(~mode & 0777));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    int saved;

    umask(old);
    if (fd < 0) {
        if (errno == EEXIST)
            str_printf(why, "%s: exists already; refusing to overwrite it", path);
        else
            str_printf(why, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        saved = errno;
        close(fd);
        unlink(path);
        str_printf(why, "%s: cannot write: %s", path, strerror(saved));
        return -1;
    }
    if (close(fd) < 0) {
        saved = errno;
        unlink(path);
        str_printf(why, "%s: cannot write: %s", path, strerror(saved));
        return -1;
    }
    return 0;
}

/* Copies the open file src (described by st) into the new file dst, with
 * st's mode, owner and modification time.  Returns 0; -1 with errno when
 * dst could not be created (EEXIST: it exists); -2 with why when it could
 * not be written (then it is removed again). */
static int copy_new(int src, const struct stat *st, const char *dst, str_t *why)
{
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int saved;

    if (fd < 0)
        return -1;
    if (fchown(fd, st->st_uid, st->st_gid) == 0 && fchmod(fd, st->st_mode & 07777) == 0 &&
        fill(fd, NULL, 0, src) == 0 && set_mtime(fd, &st->st_mtim) == 0 && fsync(fd) == 0) {
        if (close(fd) == 0)
            return 0;
        fd = -1;
    }
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(dst);
    str_printf(why, "%s: cannot write: %s", dst, strerror(saved));
    return -2;
}

int fileio_backup(const char *path, const char *suffix, str_t *backup_r, str_t *why)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1;

    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        str_printf(why, "%s: not a regular file; not backed up", path);
        close(fd);
        return -1;
    }
    for (unsigned n = 0; n < 1000; n++) {
        str_clear(backup_r);
        str_printf(backup_r, n ? "%s.%s.%u" : "%s.%s", path, suffix, n);
        if (lseek(fd, 0, SEEK_SET) < 0) {
            str_printf(why, "%s: %s", path, strerror(errno));
            break;
        }
        rc = copy_new(fd, &st, backup_r->buf, why);
        if (rc == 0 || rc == -2 || errno != EEXIST)
            break;
    }
    if (rc == -1)
        str_printf(why, "%s: cannot create a backup copy %s: %s", path, backup_r->buf,
                   strerror(errno));
    close(fd);
    return rc == 0 ? 1 : -1;
}

int fileio_restore(const char *backup, const char *path, str_t *why)
{
    struct stat st;
    int fd = open(backup, O_RDONLY | O_CLOEXEC);
    int rc;

    if (fd < 0 || fstat(fd, &st) < 0) {
        str_printf(why, "%s: %s", backup, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rc = replace(path, NULL, 0, fd, st.st_mode & 07777, st.st_uid, st.st_gid, &st.st_mtim, why);
    close(fd);
    return rc;
}

bool fileio_same(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fa ? fopen(b, "rb") : NULL;
    bool same = fa != NULL && fb != NULL;

    while (same) {
        int ca = getc(fa), cb = getc(fb);

        if (ca != cb)
            same = false;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (same && (ferror(fa) || ferror(fb)))
        same = false;
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

int fileio_mkdirs(const char *dir, mode_t mode)
{
    char *p = mem_strdup(dir);
    struct stat st;
    int rc = 0;

    /* Each prefix ending before a '/' (not the root), then dir itself. */
    for (char *s = p; rc == 0; s++) {
        char c = *s;

        if ((c != '/' || s == p) && c != '\0')
            continue;
        *s = '\0';
        if (*p != '\0' && mkdir(p, mode) < 0 && errno != EEXIST)
            rc = -1;
        else if (*p != '\0' && stat(p, &st) < 0)
            rc = -1;
        else if (*p != '\0' && !S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            rc = -1;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    mem_free(&p);
    return rc;
}

void fileio_stamp(time_t t, str_t *out)
{
    struct tm tm;
    char buf[32];

    if (localtime_r(&t, &tm) == NULL || strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm) == 0)
        str_printf(out, "%lld", (long long)t);
    else
        str_append_cstr(out, buf);
}
