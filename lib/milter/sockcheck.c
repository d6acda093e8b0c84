/* sockcheck.c - why a milter socket cannot be opened; see sockcheck.h. */
#include "config.h"

#include "milter/sockcheck.h"

#include "core/sockspec.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void how_to_create(const char *dir, const char *owner, const char *group, str_t *why)
{
    str_printf(why, "create %s (install -d", dir);
    if (owner != NULL)
        str_printf(why, " -o %s", owner);
    if (group != NULL)
        str_printf(why, " -g %s", group);
    str_printf(why, " -m 0750 %s)", dir);
}

int sockcheck_dir(const char *spec, const char *owner, const char *group, str_t *why)
{
    const char *path = sockspec_unix_path(spec), *slash;
    struct stat st;
    str_t dir;
    int rc = 0;

    if (path == NULL)
        return 0;
    slash = strrchr(path, '/');
    str_init(&dir);
    if (slash == NULL || slash == path)
        str_append_cstr(&dir, "/");
    else
        str_append(&dir, path, (size_t)(slash - path));
    if (stat(dir.buf, &st) != 0) {
        int e = errno;

        str_printf(why, "%s: %s", dir.buf, strerror(e));
        if (e == ENOENT) {
            str_append_cstr(why, ": ");
            how_to_create(dir.buf, owner, group, why);
        }
        rc = -1;
    } else if (!S_ISDIR(st.st_mode)) {
        str_printf(why, "%s is not a directory", dir.buf);
        rc = -1;
    } else if (access(dir.buf, W_OK | X_OK) != 0) {
        str_printf(why, "%s: %s: the socket is made by uid %ld before it drops privileges; "
                        "start the daemon as root or make %s writable for it",
                   dir.buf, strerror(errno), (long)geteuid(), dir.buf);
        rc = -1;
    }
    str_free(&dir);
    return rc;
}

static void explain_errno(int e, const char *what, str_t *why)
{
    if (what != NULL)
        str_printf(why, "%s: ", what);
    str_append_cstr(why, strerror(e));
    if (e == EADDRINUSE)
        str_append_cstr(why, ": another process listens there (ss -lnp shows which)");
    else if (e == EACCES)
        str_append_cstr(why, ": ports below 1024 need root");
    else if (e == EADDRNOTAVAIL)
        str_append_cstr(why, ": not an address of this machine");
}

/* Binds a test socket as libmilter would; appends the errno if it fails. */
static bool test_bind(const char *spec, str_t *why)
{
    const char *path = sockspec_unix_path(spec);
    int fd, on = 1, e = 0;

    if (path != NULL) {
        struct sockaddr_un sun;

        memset(&sun, 0, sizeof sun);
        sun.sun_family = AF_UNIX;
        if (strlen(path) >= sizeof sun.sun_path) {
            str_printf(why, "socket path longer than %zu bytes", sizeof sun.sun_path - 1);
            return false;
        }
        memcpy(sun.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0)
            e = errno;
        else
            unlink(path);
        if (fd >= 0)
            close(fd);
        if (e != 0)
            explain_errno(e, path, why);
        return e == 0;
    }
    {
        const char *rest = strchr(spec, ':') + 1, *at = strchr(rest, '@');
        struct addrinfo hints, *res = NULL;
        str_t port, host;
        int g;

        str_init(&port);
        str_init(&host);
        str_append(&port, rest, at ? (size_t)(at - rest) : strlen(rest));
        if (at != NULL && at[1] != '\0') {
            const char *h = at + 1;
            size_t n = strlen(h);

            if (h[0] == '[' && n > 1 && h[n - 1] == ']')
                str_append(&host, h + 1, n - 2);
            else
                str_append(&host, h, n);
        }
        memset(&hints, 0, sizeof hints);
        hints.ai_family = strncmp(spec, "inet6:", 6) == 0 ? AF_INET6 : AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE;
        g = getaddrinfo(host.len ? host.buf : NULL, port.buf, &hints, &res);
        if (g != 0) {
            str_printf(why, "%s: %s", host.len ? host.buf : "(any)", gai_strerror(g));
        } else {
            fd = socket(res->ai_family, SOCK_STREAM, 0);
            if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
                bind(fd, res->ai_addr, res->ai_addrlen) != 0)
                e = errno;
            if (fd >= 0)
                close(fd);
            if (e != 0)
                explain_errno(e, NULL, why);
            freeaddrinfo(res);
        }
        str_free(&port);
        str_free(&host);
        return g == 0 && e == 0;
    }
}

void sockcheck_explain(const char *spec, const char *owner, const char *group, str_t *why)
{
    if (sockcheck_dir(spec, owner, group, why) < 0)
        return;
    if (test_bind(spec, why))
        str_append_cstr(why, "reason unknown (libmilter's own message may be in syslog)");
}
