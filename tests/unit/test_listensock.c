/* test_listensock.c - unit tests of lib/milter/listensock on sockets made
 * here as smfi_opensocket() makes them (bound, listening, blocking): it is
 * found by its address, TCP_NODELAY reaches the accepted sockets, pause
 * keeps connections waiting in the backlog and accept() saying EAGAIN,
 * resume lets them in, close refuses new ones and removes the unix
 * socket's file, the sessions are counted, input left unread is seen, and
 * a kick reaches the listener. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "milter/listensock.h"

static char tmpdir[64];

static int tcp_listener(int *port)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static int tcp_connect(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    return connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? fd : (close(fd), -1);
}

static bool readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    return poll(&p, 1, ms) == 1;
}

static void tcp_find_nodelay_pause_resume_close(void **state)
{
    int port, fd = tcp_listener(&port), c1, c2, a1, on = 0;
    socklen_t len = sizeof on;
    char spec[64];
    const char *why = NULL;
    const char *dirs[] = {tmpdir, NULL};
    listensock ls;
    str_t err;

    snprintf(spec, sizeof spec, "inet:%d@127.0.0.1", port);
    assert_int_equal(listensock_find(&ls, spec, &why), 0);
    assert_int_equal(ls.fd, fd);
    assert_true(ls.nodelay);
    str_init(&err);
    assert_int_equal(listensock_arm(&ls, dirs, &err), 0);
    str_free(&err);

    /* TCP_NODELAY is inherited by the accepted socket (Linux). */
    c1 = tcp_connect(port);
    assert_true(c1 >= 0);
    assert_true(readable(ls.fd, 5000));
    a1 = accept(ls.fd, NULL, NULL);
    assert_true(a1 >= 0);
    assert_int_equal(getsockopt(a1, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0);
    assert_int_equal(on, 1);
    assert_int_equal(listensock_sessions(&ls), 1);

    /* Paused: the connection waits, libmilter's number polls nothing. */
    listensock_pause(&ls);
    c2 = tcp_connect(port);
    assert_true(c2 >= 0);
    assert_false(readable(ls.fd, 200));
    assert_int_equal(accept(ls.fd, NULL, NULL), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    /* Resumed: it is there. */
    listensock_resume(&ls);
    assert_true(readable(ls.fd, 5000));
    close(accept(ls.fd, NULL, NULL));

    /* Closed: refused. */
    listensock_close(&ls);
    assert_int_equal(tcp_connect(port), -1);
    assert_int_equal(errno, ECONNREFUSED);
    close(c1);
    close(c2);
    close(a1);
    close(ls.fd);
    close(ls.quiet);
}

static void unix_find_count_unread_kick_close(void **state)
{
    struct sockaddr_un sun;
    char path[128], spec[160];
    const char *why = NULL;
    const char *dirs[] = {"/nonexistent-dir", tmpdir, NULL};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0), c, a;
    listensock ls;
    listensock_watch w;
    struct stat st;
    str_t err;

    snprintf(path, sizeof path, "%s/l.sock", tmpdir);
    snprintf(spec, sizeof spec, "unix:%s", path);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(listensock_find(&ls, spec, &why), 0);
    assert_int_equal(ls.fd, fd);
    assert_false(ls.nodelay);
    assert_int_equal(listensock_find(&ls, "unix:/no/such.sock", &why), -1);
    assert_int_equal(listensock_find(&ls, spec, &why), 0);
    str_init(&err);
    assert_int_equal(listensock_arm(&ls, dirs, &err), 0); /* the second directory */
    str_free(&err);

    /* A session that sent something nobody reads is seen at the second look. */
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(c, (struct sockaddr *)&sun, sizeof sun), 0);
    a = accept(ls.fd, NULL, NULL);
    assert_true(a >= 0);
    assert_int_equal(write(c, "abc", 3), 3);
    memset(&w, 0, sizeof w);
    assert_int_equal(listensock_unread(&ls, &w), 0);
    assert_int_equal(listensock_unread(&ls, &w), 1);
    assert_int_equal(listensock_sessions(&ls), 1);
    listensock_watch_free(&w);

    /* A kick is a connection that hangs up at once. */
    assert_int_equal(listensock_kick(&ls), 0);
    {
        int k = accept(ls.fd, NULL, NULL);
        char b;

        assert_true(k >= 0);
        assert_int_equal(read(k, &b, 1), 0);
        close(k);
    }

    /* Closed: the file goes, connecting fails. */
    listensock_close(&ls);
    assert_int_equal(stat(path, &st), -1);
    close(c);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(c, (struct sockaddr *)&sun, sizeof sun), -1);
    close(c);
    close(a);
    close(ls.fd);
    close(ls.quiet);
}

/* The quiet socket is not a way in: nothing else listens under its name. */
static void quiet_socket_unreachable(void **state)
{
    int port, fd = tcp_listener(&port);
    char spec[64];
    const char *why = NULL;
    const char *dirs[] = {tmpdir, NULL};
    struct sockaddr_un q;
    socklen_t qlen = sizeof q;
    listensock ls;
    str_t err;
    int c;

    assert_true(fd >= 0);

    snprintf(spec, sizeof spec, "inet:%d@127.0.0.1", port);
    assert_int_equal(listensock_find(&ls, spec, &why), 0);
    str_init(&err);
    assert_int_equal(listensock_arm(&ls, dirs, &err), 0);
    str_free(&err);
    memset(&q, 0, sizeof q);
    assert_int_equal(getsockname(ls.quiet, (struct sockaddr *)&q, &qlen), 0);
    assert_int_equal(q.sun_family, AF_UNIX);
    assert_true(q.sun_path[0] == '/');
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(c, (struct sockaddr *)&q, qlen), -1);
    assert_int_equal(errno, ENOENT);
    close(c);
    listensock_close(&ls);
    close(ls.fd);
    close(ls.quiet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_find_nodelay_pause_resume_close),
        cmocka_unit_test(unix_find_count_unread_kick_close),
        cmocka_unit_test(quiet_socket_unreachable),
    };
    int rc;

    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_listensock.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(tmpdir);
    return rc;
}
