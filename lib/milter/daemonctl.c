/* daemonctl.c - a milter daemon's control thread; see daemonctl.h. */
#include "config.h"

#include "milter/daemonctl.h"

#include "core/log.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

/* How often a stop looks whether the last session has gone. */
#define STOP_POLL_MS 20
/* How often the guard looks at the descriptors when nothing happens. */
#define GUARD_POLL_MS 1000
/* Kicks of libmilter's worker pool per look, at most. */
#define MAX_KICKS 1000

static atomic_long sessions;
static atomic_bool paused;    /* the listener is paused by the guard */
static atomic_bool stopping;
static atomic_long cap = 1;   /* the session cap in force */
static int event_fd = -1;     /* wakes the control thread */

/*
 * libmilter's signal thread calls this instead of libc's sigwait(): see
 * daemonctl.h.  It waits for the same set less SIGHUP and SIGTERM, which
 * our control thread reads from its signalfd.  Nothing of ours calls
 * sigwait() (we use a signalfd), so every caller is libmilter's.
 */
int sigwait(const sigset_t *set, int *sig)
{
    sigset_t rest = *set;
    int r;

    sigdelset(&rest, SIGHUP);
    sigdelset(&rest, SIGTERM);
    do
        r = sigwaitinfo(&rest, NULL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return errno;
    *sig = r;
    return 0;
}

static void notify(void)
{
    uint64_t one = 1;

    if (event_fd >= 0 && write(event_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        log_msg(LOG_WARNING, "cannot wake the control thread: %m");
}

void daemonctl_session_begin(void)
{
    long n = atomic_fetch_add(&sessions, 1) + 1;

    if (n >= atomic_load(&cap))
        notify();
}

void daemonctl_session_end(void)
{
    atomic_fetch_sub(&sessions, 1);
    if (atomic_load(&paused) || atomic_load(&stopping))
        notify();
}

long daemonctl_effective_cap(long max_sessions, long fd_limit)
{
    long most = fd_limit - 2 * DAEMONCTL_FD_RESERVE;

    if (most < 1)
        most = 1;
    return max_sessions < most ? max_sessions : most;
}

static sigset_t control_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    return set;
}

int daemonctl_block_signals(void)
{
    sigset_t set = control_signals();

    sigaddset(&set, SIGINT);
    sigaddset(&set, listensock_wake_signal());
    return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? 0 : -1;
}

/* ---- the control thread ---- */

typedef struct ctl {
    listensock *ls;
    const daemonctl_ops *ops;
    long fd_limit;
    int sig_fd;
    struct timespec deadline; /* of a stop */
    long stop_timeout;
    struct timespec next_watch; /* of sessions waiting for a worker */
    listensock_watch watch;
    long kicks;                 /* since the last log line about them */
    struct timespec kick_logged;
} ctl;

static ctl the_ctl;

static long now_ms_until(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* Pauses or resumes the listener for the limits. */
static void guard(ctl *c)
{
    long stop_timeout, max_sessions, n = atomic_load(&sessions), fds, c_now;
    bool over_sessions, over_fds;

    c->ops->limits(&stop_timeout, &max_sessions);
    c_now = daemonctl_effective_cap(max_sessions, c->fd_limit);
    atomic_store(&cap, c_now);
    fds = listensock_fds_in_use();
    over_sessions = n >= c_now;
    over_fds = fds >= 0 && c->fd_limit - fds < DAEMONCTL_FD_RESERVE;
    if ((over_sessions || over_fds) && !c->ls->paused) {
        listensock_pause(c->ls);
        atomic_store(&paused, true);
        log_msg(LOG_WARNING, "not accepting new sessions: %ld session(s) (max_sessions %ld), "
                             "%ld of %ld file descriptors in use; new connections wait",
                n, c_now, fds, c->fd_limit);
    } else if (!over_sessions && !over_fds && c->ls->paused) {
        listensock_resume(c->ls);
        atomic_store(&paused, false);
        log_msg(LOG_NOTICE, "accepting new sessions again: %ld session(s), %ld file descriptors "
                            "in use", n, fds);
    }
}

/* Once a second: a session that waits for a libmilter worker gets one
 * (listensock.h says why this happens and how the kick helps). */
static void unstick(ctl *c)
{
    long waiting;

    if (now_ms_until(&c->next_watch) > 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &c->next_watch);
    c->next_watch.tv_sec += GUARD_POLL_MS / 1000;
    if (c->ls->paused)
        return;
    waiting = listensock_unread(c->ls, &c->watch);
    /* One kick per waiting session: each gets the oldest a worker. */
    for (long i = 0; i < waiting && i < MAX_KICKS; i++)
        if (listensock_kick(c->ls) == 0)
            c->kicks++;
    if (c->kicks > 0 && now_ms_until(&c->kick_logged) <= 0) {
        log_msg(LOG_NOTICE, "%ld session(s) waited for a libmilter worker: the worker pool was "
                            "nudged", c->kicks);
        c->kicks = 0;
        clock_gettime(CLOCK_MONOTONIC, &c->kick_logged);
        c->kick_logged.tv_sec += 60;
    }
}

static void begin_stop(ctl *c, int sig)
{
    long max_sessions, n;

    atomic_store(&stopping, true);
    c->ops->limits(&c->stop_timeout, &max_sessions);
    listensock_close(c->ls);
    atomic_store(&paused, false);
    clock_gettime(CLOCK_MONOTONIC, &c->deadline);
    c->deadline.tv_sec += c->stop_timeout;
    n = listensock_sessions(c->ls);
    log_msg(LOG_NOTICE, "stopping on %s: no new sessions; %ld in flight, waiting for them at "
                        "most %ld s (stop_timeout)", sig == SIGHUP ? "SIGHUP" : "SIGTERM",
            n >= 0 ? n : atomic_load(&sessions), c->stop_timeout);
}

/* Exits when the last session has gone or the time is up. */
static void check_stop(ctl *c)
{
    long n = listensock_sessions(c->ls);

    if (n < 0) /* no /proc: the sessions our callbacks saw */
        n = atomic_load(&sessions);
    if (n > 0 && now_ms_until(&c->deadline) > 0)
        return;
    if (n > 0)
        log_msg(LOG_WARNING, "stopping with %ld session(s) still open after %ld s "
                             "(stop_timeout): their MTAs apply their milter failure action",
                n, c->stop_timeout);
    c->ops->finish();
    exit(0);
}

static void read_signals(ctl *c)
{
    struct signalfd_siginfo si;

    while (read(c->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGUSR1) {
            if (!atomic_load(&stopping))
                c->ops->reload();
        } else if (!atomic_load(&stopping)) {
            begin_stop(c, (int)si.ssi_signo);
        } else {
            log_msg(LOG_NOTICE, "already stopping; waiting for the sessions in flight");
        }
    }
}

static void *control_thread(void *arg)
{
    ctl *c = arg;
    struct pollfd p[2] = {{.fd = c->sig_fd, .events = POLLIN}, {.fd = event_fd, .events = POLLIN}};

    for (;;) {
        int r = poll(p, 2, atomic_load(&stopping) ? STOP_POLL_MS : GUARD_POLL_MS);

        if (r < 0 && errno != EINTR)
            log_msg(LOG_ERR, "control thread: poll: %m");
        if (r > 0 && (p[1].revents & POLLIN)) {
            uint64_t v;

            (void)read(event_fd, &v, sizeof v);
        }
        if (r > 0 && (p[0].revents & POLLIN))
            read_signals(c);
        if (atomic_load(&stopping)) {
            check_stop(c);
        } else {
            guard(c);
            unstick(c);
        }
    }
    return NULL;
}

int daemonctl_start(listensock *ls, const daemonctl_ops *ops, long fd_limit,
                    const char **error_r)
{
    sigset_t set = control_signals(), wake;
    pthread_t t;
    long stop_timeout, max_sessions;

    the_ctl.ls = ls;
    the_ctl.ops = ops;
    the_ctl.fd_limit = fd_limit;
    ops->limits(&stop_timeout, &max_sessions);
    atomic_store(&cap, daemonctl_effective_cap(max_sessions, fd_limit));
    the_ctl.sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (the_ctl.sig_fd < 0 || event_fd < 0) {
        *error_r = "cannot make the control thread's signalfd or eventfd";
        return -1;
    }
    if (pthread_create(&t, NULL, control_thread, &the_ctl) != 0) {
        *error_r = "cannot start the control thread";
        return -1;
    }
    pthread_detach(t);
    /* The listener (this thread) must be interruptible by the wake-up. */
    sigemptyset(&wake);
    sigaddset(&wake, listensock_wake_signal());
    if (pthread_sigmask(SIG_UNBLOCK, &wake, NULL) != 0) {
        *error_r = "cannot unblock the wake-up signal";
        return -1;
    }
    return 0;
}
