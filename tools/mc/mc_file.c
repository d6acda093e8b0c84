/* mc_file.c - ownership marks of generated files; see mc_file.h. */
#include "config.h"

#include "mc_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void mc_file_header(str_t *out, const char *prefix, const char *conf)
{
    str_printf(out, "%s%s from ", prefix, MC_MARK);
    for (const unsigned char *p = (const unsigned char *)conf; *p; p++)
        str_append_char(out, *p < ' ' || *p == 0x7f || *p == '`' || *p == '\'' ? '?' : (char)*p);
    str_printf(out, ".\n%sDo not edit: change milterkit.conf and run milterkit-mc again.\n",
               prefix);
}
