/* ck_probe.c - a milter negotiation on a socket; see ck_probe.h. */
#include "config.h"

#include "ck_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ck_report.h"

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, long deadline)
{
    struct pollfd p = {.fd = fd, .events = events};

    for (;;) {
        long left = deadline - now_ms();
        int rc;

        if (left <= 0)
            return 0;
        rc = poll(&p, 1, (int)left);
        if (rc >= 0 || errno != EINTR)
            return rc;
    }
}

static ck_probe_status from_errno(int e)
{
    switch (e) {
    case ECONNREFUSED:
    case ENOENT:
    case ENOTDIR:
        return CK_PROBE_NOT_RUNNING;
    case EACCES:
    case EPERM:
        return CK_PROBE_DENIED;
    case ETIMEDOUT:
        return CK_PROBE_TIMEOUT;
    default:
        return CK_PROBE_ERROR;
    }
}

/* A non-blocking connect to one address, finished within the deadline.
 * Returns the socket, or -1 with *st and why set. */
static int connect_one(const struct sockaddr *sa, socklen_t salen, long deadline,
                       ck_probe_status *st, str_t *why)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int err = 0;
    socklen_t elen = sizeof err;

    if (fd < 0) {
        *st = CK_PROBE_ERROR;
        str_printf(why, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, sa, salen) == 0)
        return fd;
    if (errno == EINPROGRESS || errno == EAGAIN) {
        int rc = wait_fd(fd, POLLOUT, deadline);

        if (rc == 0) {
            close(fd);
            *st = CK_PROBE_TIMEOUT;
            str_printf(why, "connect: no answer in time");
            return -1;
        }
        if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)
            return fd;
        errno = err != 0 ? err : errno;
    }
    *st = from_errno(errno);
    str_printf(why, "connect: %s", strerror(errno));
    close(fd);
    return -1;
}

static int connect_unix(const char *path, long deadline, ck_probe_status *st, str_t *why)
{
    struct sockaddr_un sun;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sun.sun_path) {
        *st = CK_PROBE_ERROR;
        str_printf(why, "socket path longer than %zu bytes", sizeof sun.sun_path - 1);
        return -1;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    return connect_one((const struct sockaddr *)&sun, sizeof sun, deadline, st, why);
}

/* Each address of host (127.0.0.1 and ::1 when any) in turn. */
static int connect_inet(const ck_sock *s, long deadline, ck_probe_status *st, str_t *why)
{
    struct addrinfo hints, *res = NULL;
    char port[8];
    int fd = -1, rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof port, "%u", s->port);
    rc = getaddrinfo(s->host != NULL ? s->host : "localhost", port, &hints, &res);
    if (rc != 0) {
        *st = CK_PROBE_ERROR;
        str_printf(why, "%s: %s", s->host, gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        str_clear(why);
        fd = connect_one(ai->ai_addr, ai->ai_addrlen, deadline, st, why);
    }
    freeaddrinfo(res);
    return fd;
}

static int send_all(int fd, const str_t *pkt, long deadline)
{
    size_t off = 0;

    while (off < pkt->len) {
        ssize_t n = send(fd, pkt->buf + off, pkt->len - off, MSG_NOSIGNAL);

        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        if (wait_fd(fd, POLLOUT, deadline) <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
    }
    return 0;
}

/* What the peer sent, for the report. */
static void describe(const str_t *got, str_t *why)
{
    str_append_cstr(why, ": it sent \"");
    ck_report_safe(why, got->buf, got->len, 60, false);
    str_append_cstr(why, "\"");
}

/* Reads until one packet is complete (or the peer misbehaves). */
static ck_probe_status read_reply(int fd, long deadline, ck_mpkt_optneg *neg, str_t *why)
{
    str_t got;
    ck_mpkt pkt;
    const char *err = NULL;
    ck_probe_status st = CK_PROBE_TIMEOUT;

    str_init(&got);
    for (;;) {
        char buf[4096];
        ssize_t n;
        ck_mpkt_status ps = ck_mpkt_take((const unsigned char *)got.buf, got.len, 4096, &pkt, &err);

        if (ps == CK_MPKT_PACKET) {
            if (pkt.cmd != 'O') {
                st = CK_PROBE_NOT_MILTER;
                str_printf(why, "answered command '%c' instead of the negotiation",
                           pkt.cmd >= 0x21 && pkt.cmd < 0x7f ? pkt.cmd : '?');
            } else if (ck_mpkt_read_optneg(pkt.data, pkt.len, neg, &err) < 0) {
                st = CK_PROBE_NOT_MILTER;
                str_printf(why, "bad negotiation reply: %s", err);
            } else
                st = CK_PROBE_OK;
            break;
        }
        if (ps == CK_MPKT_BAD) {
            st = CK_PROBE_NOT_MILTER;
            str_printf(why, "not a milter packet (%s)", err);
            describe(&got, why);
            break;
        }
        if (wait_fd(fd, POLLIN, deadline) <= 0) {
            str_printf(why, "no complete negotiation reply in time");
            if (got.len > 0)
                describe(&got, why);
            break;
        }
        n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
            st = CK_PROBE_NOT_MILTER;
            str_printf(why, "the connection was closed before a negotiation reply");
            if (got.len > 0)
                describe(&got, why);
            break;
        }
        if (n > 0)
            str_append(&got, buf, (size_t)n);
    }
    str_free(&got);
    return st;
}

ck_probe_status ck_probe(const ck_sock *sock, int timeout_ms, ck_mpkt_optneg *neg, str_t *why)
{
    long deadline = now_ms() + timeout_ms;
    ck_probe_status st = CK_PROBE_ERROR;
    str_t pkt;
    int fd;

    fd = sock->kind == CK_SOCK_UNIX ? connect_unix(sock->path, deadline, &st, why)
                                    : connect_inet(sock, deadline, &st, why);
    if (fd < 0)
        return st;
    str_init(&pkt);
    ck_mpkt_optneg_packet(&pkt);
    if (send_all(fd, &pkt, deadline) < 0) {
        st = errno == EPIPE || errno == ECONNRESET ? CK_PROBE_NOT_MILTER : CK_PROBE_TIMEOUT;
        str_printf(why, "sending the negotiation: %s", strerror(errno));
    } else {
        st = read_reply(fd, deadline, neg, why);
        if (st == CK_PROBE_OK) {
            str_clear(&pkt);
            ck_mpkt_quit_packet(&pkt);
            (void)send_all(fd, &pkt, deadline);
        }
    }
    str_free(&pkt);
    close(fd);
    return st;
}
