/* listensock.c - libmilter's listening socket, steered from outside; see
 * listensock.h. */
#include "config.h"

#include "milter/listensock.h"

#include "core/sockspec.h"
#include "core/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* What spec names: the family and a unix path or a port. */
typedef struct want {
    int family;
    const char *path; /* AF_UNIX */
    long port;        /* AF_INET, AF_INET6 */
} want;

static int parse_spec(const char *spec, want *w, const char **error_r)
{
    const char *p;
    char *end;

    memset(w, 0, sizeof *w);
    if ((w->path = sockspec_unix_path(spec)) != NULL) {
        w->family = AF_UNIX;
        return 0;
    }
    if (strncmp(spec, "inet:", 5) == 0) {
        w->family = AF_INET;
        p = spec + 5;
    } else if (strncmp(spec, "inet6:", 6) == 0) {
        w->family = AF_INET6;
        p = spec + 6;
    } else {
        *error_r = "not a unix:, inet: or inet6: socket";
        return -1;
    }
    errno = 0;
    w->port = strtol(p, &end, 10);
    if (errno != 0 || end == p || (*end != '\0' && *end != '@') || w->port < 1 ||
        w->port > 65535) {
        *error_r = "bad port";
        return -1;
    }
    return 0;
}

static long port_of(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)a)->sin_port);
    if (a->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
    return -1;
}

static bool is_listening(int fd)
{
    int on = 0;
    socklen_t len = sizeof on;

    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

static bool is_stream(int fd)
{
    int type = 0;
    socklen_t len = sizeof type;

    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

static bool name_matches(const struct sockaddr_storage *a, socklen_t alen, const want *w)
{
    if (a->ss_family != w->family)
        return false;
    if (w->family == AF_UNIX) {
        const struct sockaddr_un *u = (const struct sockaddr_un *)a;
        size_t n = alen > offsetof(struct sockaddr_un, sun_path)
                       ? alen - offsetof(struct sockaddr_un, sun_path) : 0;

        return n > 0 && strnlen(u->sun_path, n) == strlen(w->path) &&
               strncmp(u->sun_path, w->path, n) == 0;
    }
    return port_of(a) == w->port;
}

/* /proc/self/fd, opened once at start-up: at the open file limit, a scan
 * that had to open it would fail exactly when it matters. */
static DIR *proc_fd;
static pthread_mutex_t proc_fd_lock = PTHREAD_MUTEX_INITIALIZER;

/* Calls fn(fd, arg) for every descriptor in /proc/self/fd; -1 if unreadable. */
static int each_fd(void (*fn)(int fd, void *arg), void *arg)
{
    struct dirent *e;

    pthread_mutex_lock(&proc_fd_lock);
    if (proc_fd == NULL)
        proc_fd = opendir("/proc/self/fd");
    if (proc_fd == NULL) {
        pthread_mutex_unlock(&proc_fd_lock);
        return -1;
    }
    rewinddir(proc_fd);
    while ((e = readdir(proc_fd)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);

        if (e->d_name[0] == '.' || *end != '\0' || fd < 0 || fd == dirfd(proc_fd))
            continue;
        fn((int)fd, arg);
    }
    pthread_mutex_unlock(&proc_fd_lock);
    return 0;
}

typedef struct finder {
    const want *w;
    int found, count;
    struct sockaddr_storage addr;
    socklen_t addrlen;
} finder;

static void find_one(int fd, void *arg)
{
    finder *f = arg;
    struct sockaddr_storage a;
    socklen_t alen = sizeof a;

    if (!is_listening(fd) || !is_stream(fd))
        return;
    memset(&a, 0, sizeof a);
    if (getsockname(fd, (struct sockaddr *)&a, &alen) != 0 || !name_matches(&a, alen, f->w))
        return;
    f->found = fd;
    f->count++;
    f->addr = a;
    f->addrlen = alen;
}

int listensock_find(listensock *ls, const char *spec, const char **error_r)
{
    finder f = {.found = -1};
    want w;
    int fl, on = 1;

    memset(ls, 0, sizeof *ls);
    ls->fd = ls->real = ls->quiet = -1;
    if (parse_spec(spec, &w, error_r) < 0)
        return -1;
    f.w = &w;
    if (each_fd(find_one, &f) < 0) {
        /* no /proc: the descriptors of a starting daemon are few and low */
        for (int fd = 0; fd < 1024; fd++)
            find_one(fd, &f);
    }
    if (f.count != 1) {
        *error_r = f.count == 0 ? "no listening socket of ours has that address"
                                : "more than one listening socket has that address";
        return -1;
    }
    ls->fd = f.found;
    ls->family = w.family;
    ls->addr = f.addr;
    ls->addrlen = f.addrlen;
    if (w.family == AF_UNIX) {
        struct stat st;

        if (stat(w.path, &st) == 0) {
            ls->path_dev = st.st_dev;
            ls->path_ino = st.st_ino;
        }
    } else {
        if (setsockopt(ls->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
            *error_r = "cannot set TCP_NODELAY";
            return -1;
        }
        ls->nodelay = true;
    }
    fl = fcntl(ls->fd, F_GETFL);
    if (fl < 0 || fcntl(ls->fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        *error_r = "cannot make it non-blocking";
        return -1;
    }
    return 0;
}

/* ---- the quiet socket and the wake-up ---- */

static void wake_handler(int sig)
{
    (void)sig;
}

int listensock_wake_signal(void)
{
    return SIGRTMIN;
}

/* A listening socket nobody can reach: a unix socket bound in a fresh
 * private directory, whose name is removed at once (connect() finds a unix
 * socket only by its name); non-blocking, so accept() says EAGAIN. */
static int quiet_socket(const char *dir, str_t *why)
{
    struct sockaddr_un sun;
    str_t tmp;
    int q = -1, e = 0;

    str_init(&tmp);
    str_printf(&tmp, "%s/.milterkit-quiet-XXXXXX", dir);
    if (mkdtemp(tmp.buf) == NULL) {
        str_printf(why, "mkdtemp %s: %s", tmp.buf, strerror(errno));
        str_free(&tmp);
        return -1;
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (tmp.len + 2 >= sizeof sun.sun_path) {
        str_printf(why, "%s: path too long for a socket", tmp.buf);
        rmdir(tmp.buf);
        str_free(&tmp);
        return -1;
    }
    memcpy(sun.sun_path, tmp.buf, tmp.len);
    memcpy(sun.sun_path + tmp.len, "/q", 3);
    q = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (q < 0 || bind(q, (struct sockaddr *)&sun, sizeof sun) != 0 || listen(q, 1) != 0)
        e = errno;
    unlink(sun.sun_path);
    rmdir(tmp.buf);
    if (e != 0) {
        str_printf(why, "quiet socket in %s: %s", tmp.buf, strerror(e));
        if (q >= 0)
            close(q);
        q = -1;
    }
    str_free(&tmp);
    return q;
}

int listensock_arm(listensock *ls, const char *const *dirs, str_t *why)
{
    struct sigaction sa;

    for (size_t i = 0; dirs[i] != NULL && ls->quiet < 0; i++) {
        if (i > 0)
            str_append_cstr(why, "; ");
        ls->quiet = quiet_socket(dirs[i], why);
    }
    if (ls->quiet < 0)
        return -1;
    str_clear(why);
    ls->real = fcntl(ls->fd, F_DUPFD_CLOEXEC, 3);
    if (ls->real < 0) {
        str_printf(why, "cannot duplicate the listening socket: %s", strerror(errno));
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = wake_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(listensock_wake_signal(), &sa, NULL) != 0) {
        str_printf(why, "cannot install the wake-up signal handler: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void listensock_set_listener(listensock *ls, pthread_t listener)
{
    ls->listener = listener;
    ls->have_listener = true;
}

static void wake(const listensock *ls)
{
    if (ls->have_listener)
        pthread_kill(ls->listener, listensock_wake_signal());
}

void listensock_pause(listensock *ls)
{
    if (ls->paused || ls->real < 0 || ls->quiet < 0)
        return;
    if (dup2(ls->quiet, ls->fd) < 0)
        return;
    ls->paused = true;
    wake(ls); /* leave its poll on the real socket */
}

void listensock_resume(listensock *ls)
{
    if (!ls->paused || ls->real < 0)
        return;
    if (dup2(ls->real, ls->fd) < 0)
        return;
    ls->paused = false;
    wake(ls); /* leave its poll on the quiet socket: accept what waited */
}

void listensock_close(listensock *ls)
{
    if (ls->real < 0)
        return;
    listensock_pause(ls);
    shutdown(ls->real, SHUT_RDWR);
    close(ls->real);
    ls->real = -1;
    if (ls->family == AF_UNIX) {
        const char *path = ((const struct sockaddr_un *)&ls->addr)->sun_path;
        struct stat st;

        if (stat(path, &st) == 0 && st.st_dev == ls->path_dev && st.st_ino == ls->path_ino)
            unlink(path);
    }
}

/* ---- counting ---- */

typedef struct counter {
    const listensock *ls;
    long n;
} counter;

static bool same_listener(const listensock *ls, const struct sockaddr_storage *a, socklen_t alen)
{
    if (a->ss_family != ls->family)
        return false;
    if (ls->family == AF_UNIX) {
        size_t off = offsetof(struct sockaddr_un, sun_path);

        return alen == ls->addrlen && alen > off &&
               memcmp(((const struct sockaddr_un *)a)->sun_path,
                      ((const struct sockaddr_un *)&ls->addr)->sun_path, alen - off) == 0;
    }
    if (port_of(a) != port_of(&ls->addr))
        return false;
    if (ls->family == AF_INET) {
        in_addr_t bound = ((const struct sockaddr_in *)&ls->addr)->sin_addr.s_addr;

        return bound == htonl(INADDR_ANY) ||
               bound == ((const struct sockaddr_in *)a)->sin_addr.s_addr;
    }
    {
        const struct in6_addr *bound = &((const struct sockaddr_in6 *)&ls->addr)->sin6_addr;

        return IN6_IS_ADDR_UNSPECIFIED(bound) ||
               memcmp(bound, &((const struct sockaddr_in6 *)a)->sin6_addr, sizeof *bound) == 0;
    }
}

static void count_one(int fd, void *arg)
{
    counter *c = arg;
    struct sockaddr_storage a;
    socklen_t alen = sizeof a;

    if (fd == c->ls->fd || fd == c->ls->real || fd == c->ls->quiet)
        return;
    memset(&a, 0, sizeof a);
    if (getsockname(fd, (struct sockaddr *)&a, &alen) != 0 || !same_listener(c->ls, &a, alen))
        return;
    if (is_stream(fd) && !is_listening(fd))
        c->n++;
}

long listensock_sessions(const listensock *ls)
{
    counter c = {.ls = ls};

    return each_fd(count_one, &c) < 0 ? -1 : c.n;
}

static void count_any(int fd, void *arg)
{
    (void)fd;
    ++*(long *)arg;
}

long listensock_fds_in_use(void)
{
    long n = 0;

    return each_fd(count_any, &n) < 0 ? -1 : n;
}

/* ---- sessions waiting for a worker ---- */

typedef struct watcher {
    const listensock *ls;
    listensock_watch *prev;
    listensock_watch now;
    long waiting;
} watcher;

static int prev_bytes(const listensock_watch *w, int fd)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->e[i].fd == fd)
            return w->e[i].bytes;
    return 0;
}

static void watch_one(int fd, void *arg)
{
    watcher *wt = arg;
    struct sockaddr_storage a;
    socklen_t alen = sizeof a;
    int bytes = 0;

    if (fd == wt->ls->fd || fd == wt->ls->real || fd == wt->ls->quiet)
        return;
    memset(&a, 0, sizeof a);
    if (getsockname(fd, (struct sockaddr *)&a, &alen) != 0 || !same_listener(wt->ls, &a, alen))
        return;
    if (ioctl(fd, FIONREAD, &bytes) != 0 || bytes <= 0)
        return;
    if (prev_bytes(wt->prev, fd) == bytes)
        wt->waiting++;
    if (wt->now.n == wt->now.cap) {
        size_t cap = wt->now.cap ? wt->now.cap * 2 : 16;
        void *e = realloc(wt->now.e, cap * sizeof *wt->now.e);

        if (e == NULL)
            return; /* a watch that misses one socket this time: no harm */
        wt->now.e = e;
        wt->now.cap = cap;
    }
    wt->now.e[wt->now.n].fd = fd;
    wt->now.e[wt->now.n].bytes = bytes;
    wt->now.n++;
}

long listensock_unread(const listensock *ls, listensock_watch *w)
{
    watcher wt = {.ls = ls, .prev = w};

    if (each_fd(watch_one, &wt) < 0) {
        free(wt.now.e);
        return 0;
    }
    free(w->e);
    *w = wt.now;
    return wt.waiting;
}

void listensock_watch_free(listensock_watch *w)
{
    free(w->e);
    memset(w, 0, sizeof *w);
}

int listensock_kick(const listensock *ls)
{
    struct sockaddr_storage a = ls->addr;
    struct timeval tv = {1, 0};
    int fd, rc;

    if (ls->real < 0 || ls->paused)
        return -1;
    if (a.ss_family == AF_INET &&
        ((struct sockaddr_in *)&a)->sin_addr.s_addr == htonl(INADDR_ANY))
        ((struct sockaddr_in *)&a)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (a.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&a)->sin6_addr))
        ((struct sockaddr_in6 *)&a)->sin6_addr = in6addr_loopback;
    fd = socket(a.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    rc = connect(fd, (struct sockaddr *)&a, ls->addrlen);
    close(fd);
    return rc;
}

/* ---- quick ACKs after libmilter's replies ----
 *
 * libmilter writes every reply with writev().  This definition is the one
 * it calls (the executable's come first): after the write, TCP_QUICKACK on
 * the socket, so that the kernel acknowledges the MTA's next packet at
 * once.  Without it Linux, seeing request and reply, delays that ACK (up
 * to 40 ms), and an MTA that writes each packet on its own with Nagle's
 * algorithm on (sendmail: a macro packet, then the command) holds its
 * second write until the ACK comes: 40 ms per command.  TCP_NODELAY on our
 * side cannot help there; the quick ACK does (measured: 44 ms to 0.03 ms
 * per exchange on loopback).  On other descriptors setsockopt() fails
 * harmlessly; errno is kept.  Nothing of ours calls writev().
 */
ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    ssize_t n = syscall(SYS_writev, fd, iov, iovcnt);

    if (n > 0) {
        int e = errno, on = 1;

        (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
        errno = e;
    }
    return n;
}
