/* mc_file.c - bounded reads, atomic writes, ownership marks; see mc_file.h. */
#include "config.h"

#include "mc_file.h"

#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mc_file_read(const char *path, size_t max, str_t *out, str_t *why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char buf[8192];
    ssize_t n;

    str_clear(out);
    if (fd < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (out->len + (size_t)n > max) {
            str_printf(why, "%s: larger than %zu bytes", path, max);
            close(fd);
            return -1;
        }
        str_append(out, buf, (size_t)n);
    }
    if (n < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
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

int mc_file_write(const char *path, const void *data, size_t len, mode_t mode, str_t *why)
{
    str_t tmp;
    int fd, saved;

    str_init(&tmp);
    str_printf(&tmp, "%s.mc-XXXXXX", path);
    fd = mkstemp(tmp.buf); /* mode 0600 */
    if (fd < 0) {
        str_printf(why, "%s: cannot create: %s", path, strerror(errno));
        str_free(&tmp);
        return -1;
    }
    if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        saved = errno;
        close(fd);
        unlink(tmp.buf);
        str_printf(why, "%s: cannot write: %s", path, strerror(saved));
        str_free(&tmp);
        return -1;
    }
    if (close(fd) < 0 || rename(tmp.buf, path) < 0) {
        saved = errno;
        unlink(tmp.buf);
        str_printf(why, "%s: cannot write: %s", path, strerror(saved));
        str_free(&tmp);
        return -1;
    }
    str_free(&tmp);
    return 0;
}

mc_owner mc_file_owner(const char *path)
{
    struct stat st;
    char buf[1024];
    ssize_t n;
    int fd;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? MC_FILE_ABSENT : MC_FILE_FOREIGN;
    if (!S_ISREG(st.st_mode))
        return MC_FILE_FOREIGN;
    /* The mark is in the first lines: read a bounded prefix only. */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return MC_FILE_FOREIGN;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return MC_FILE_FOREIGN;
    buf[n] = '\0';
    return strstr(buf, MC_MARK) != NULL ? MC_FILE_OURS : MC_FILE_FOREIGN;
}

int mc_file_mkdirs(const char *dir)
{
    char *p = mem_strdup(dir);
    int rc = 0;

    for (char *s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;

        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            rc = -1;
        *s = c;
        if (c == '\0')
            break;
    }
    mem_free(&p);
    return rc;
}

void mc_file_header(str_t *out, const char *prefix, const char *conf)
{
    str_printf(out, "%s%s from ", prefix, MC_MARK);
    for (const unsigned char *p = (const unsigned char *)conf; *p; p++)
        str_append_char(out, *p < ' ' || *p == 0x7f || *p == '`' || *p == '\'' ? '?' : (char)*p);
    str_printf(out, ".\n%sDo not edit: change milterkit.conf and run milterkit-mc again.\n",
               prefix);
}
