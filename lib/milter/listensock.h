/*
 * listensock.h - the listening socket that libmilter opened, found and
 * steered from outside libmilter.
 *
 * smfi_opensocket() creates the socket and keeps it to itself; libmilter's
 * listener (the thread that runs smfi_main) then loops: poll the socket
 * (waking every 5 s to look for a stop), accept, hand the connection to its
 * worker pool.  It gives no way to stop accepting without stopping every
 * session, to accept fewer, or to set socket options.  So:
 *
 *   listensock_find()    finds the socket among our own descriptors: the
 *                        one listening socket (SO_ACCEPTCONN) bound to the
 *                        configured address.  For inet sockets it sets
 *                        TCP_NODELAY on it (accepted sockets inherit it on
 *                        Linux: a milter writes small packets, and Nagle's
 *                        algorithm against the MTA's delayed ACK added ~40 ms
 *                        per message per milter).  It makes the socket
 *                        non-blocking, so that libmilter's accept() never
 *                        waits when a connection left between poll and
 *                        accept (EAGAIN: libmilter goes back to poll).
 *   listensock_pause()   libmilter's descriptor number is made to point at
 *                        a "quiet" socket (dup2): a listening unix socket
 *                        that nobody can reach (its name was removed right
 *                        after bind, and connect() finds a unix socket only
 *                        by its name) and that is non-blocking, so
 *                        libmilter's poll never wakes for it and an accept()
 *                        on it returns EAGAIN, which libmilter ignores.  The
 *                        real socket stays open with us: new connections
 *                        wait in its backlog.
 *   listensock_resume()  puts the real socket back under libmilter's number
 *                        and wakes the listener thread (a signal that
 *                        interrupts its poll), so that the connections that
 *                        waited are accepted now, not 5 s later.
 *   listensock_close()   for good: libmilter keeps polling the quiet socket;
 *                        the real one is shut down and closed (connections
 *                        are refused from then on, and those that waited in
 *                        the backlog are reset), a unix socket's file is
 *                        removed if it is still ours.
 *   listensock_sessions() the connections libmilter accepted and has not
 *                        closed yet (descriptors of ours connected to the
 *                        listening address), whether a callback saw them or
 *                        not.
 *   listensock_unread(), listensock_kick()  find and unstick sessions that
 *                        libmilter's worker pool left without a worker
 *                        (below).
 *
 * Nothing here depends on libmilter's internals: only on the kernel's
 * semantics of descriptors (dup2 replaces what a number refers to, for
 * every thread) and on libmilter ignoring EAGAIN and EINTR in its listener
 * loop, as sendmail 8.17's libmilter/listener.c does.
 *
 * Thread-safety: find, arm and set_listener run at start-up; pause, resume, close are called
 * by one thread (the daemon's control thread); sessions may be called from
 * any thread.
 */
#ifndef MK_LISTENSOCK_H
#define MK_LISTENSOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "core/str.h"

typedef struct listensock {
    int fd;                    /* libmilter's descriptor number */
    int real;                  /* our own descriptor of the real socket, -1 when closed */
    int quiet;                 /* the unreachable socket, -1 until armed */
    int family;                /* AF_UNIX, AF_INET, AF_INET6 */
    struct sockaddr_storage addr; /* where it listens */
    socklen_t addrlen;
    dev_t path_dev;            /* a unix socket's file, to remove it only if still ours */
    ino_t path_ino;
    bool paused;
    bool nodelay;              /* TCP_NODELAY set */
    pthread_t listener;        /* the thread that runs libmilter's listener */
    bool have_listener;
} listensock;

/*
 * Finds the socket libmilter listens on for spec (a libmilter socket spec:
 * unix:PATH, local:PATH, inet:PORT[@HOST], inet6:PORT[@HOST]), after
 * smfi_opensocket().  Sets TCP_NODELAY (inet) and O_NONBLOCK on it.
 * Returns 0, or -1 with *error_r set (no such socket, or more than one).
 */
int listensock_find(listensock *ls, const char *spec, const char **error_r);

/*
 * Makes what pause/resume/close need: our own descriptor of the real
 * socket, the quiet socket (made in a temporary directory in the first of
 * dirs, a NULL-terminated list, where that works), and the handler of the
 * wake-up signal.  Returns 0, or -1 with the reasons appended to why.
 */
int listensock_arm(listensock *ls, const char *const *dirs, str_t *why);

/* The thread that runs libmilter's listener (smfi_main), woken by
 * listensock_resume() and _close(). */
void listensock_set_listener(listensock *ls, pthread_t listener);

/* The signal that wakes the listener thread (a no-op handler with
 * SA_RESTART: only its poll returns, with EINTR).  Every thread but the
 * listener should block it. */
int listensock_wake_signal(void);

/* Stops libmilter from accepting until listensock_resume(); new
 * connections wait in the backlog.  No-op when paused or closed. */
void listensock_pause(listensock *ls);
/* Lets libmilter accept again, now.  No-op unless paused. */
void listensock_resume(listensock *ls);
/* Refuses every new connection for good (see above).  Idempotent. */
void listensock_close(listensock *ls);

/* The connections accepted on this socket and still open, or -1 when
 * /proc/self/fd cannot be read. */
long listensock_sessions(const listensock *ls);

/* Descriptors this process has open, or -1 when /proc/self/fd cannot be
 * read. */
long listensock_fds_in_use(void);

/*
 * Sessions waiting for a worker.  libmilter's worker pool can leave a
 * session that is ready to be read without a worker: when it wakes an idle
 * worker for it while that worker takes another session first, and every
 * other worker is held (a peer that sent part of a packet holds one until
 * session_timeout), the session waits until some worker finishes a task
 * (sendmail 8.17 libmilter/worker.c: one condition signal per waiting
 * session, counted against idle workers that may already be awake).
 * listensock_unread() counts the accepted sockets that hold input that was
 * already there, unread and unchanged, at the previous call (w keeps what
 * it saw; zero it before the first call, free it with
 * listensock_watch_free).  listensock_kick() makes a worker take one such
 * session: it connects to the listening socket and hangs up at once; the
 * pool gives that connection a worker (a new one when none is idle), which
 * ends it at once and then takes the oldest session that waits.
 */
typedef struct listensock_watch {
    size_t n, cap;
    struct {
        int fd;
        int bytes;
    } *e;
} listensock_watch;

/* Returns the number of accepted sockets whose input waited unread since
 * the previous call (0 when /proc/self/fd cannot be read). */
long listensock_unread(const listensock *ls, listensock_watch *w);
void listensock_watch_free(listensock_watch *w);
/* Returns 0 when the connection was made, -1 when not listening (paused,
 * closed) or the connection failed. */
int listensock_kick(const listensock *ls);

#endif
