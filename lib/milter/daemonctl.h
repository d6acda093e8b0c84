/*
 * daemonctl.h - the control thread of a milter daemon: signals (reload,
 * stop), the guard that keeps sessions and descriptors under their limits,
 * and a stop that finishes the sessions in flight.
 *
 * Signals.  libmilter starts its own signal thread in smfi_main(); it
 * waits with sigwait() for SIGHUP, SIGTERM and SIGINT and, on SIGHUP or
 * SIGTERM, stops its listener and its worker pool at once: the sessions in
 * flight get no further reply.  So milterkit keeps SIGHUP and SIGTERM away
 * from it, deterministically: a process-directed signal that every thread
 * blocks stays pending until a thread waits for it, and only a thread that
 * waits for that very signal can take it.  Every thread blocks them (the
 * mask is set before any thread exists and inherited); our control thread
 * reads SIGUSR1, SIGHUP and SIGTERM from a signalfd; libmilter's thread
 * calls sigwait(), and the sigwait() it calls is ours (daemonctl.c defines
 * it: the executable's definition comes before libc's), which takes SIGHUP
 * and SIGTERM out of the set it waits for.  libmilter's thread is left with
 * SIGINT, which still aborts at once (for debugging).
 *
 * The stop (SIGTERM or SIGHUP).  (1) No new session: libmilter's listening
 * socket is closed under it (lib/milter/listensock: connections are refused
 * from then on, a unix socket's file is removed); its listener keeps
 * running, on a socket nobody can reach.  (2) The sessions in flight go on
 * as before, served by libmilter's pool, and get every reply.  (3) The
 * daemon exits as soon as none is left (connections accepted and not yet
 * closed, counted on the descriptors themselves, so also those that have
 * not negotiated yet; checked every 20 ms), or after stop_timeout seconds
 * with a warning naming how many it cut off.  It exits from the control
 * thread, without smfi_stop(): libmilter's listener would only notice
 * within 5 s, and its clean-up removes whatever socket file has the
 * configured name by then, possibly a new daemon's.
 *
 * The guard.  max_sessions caps the sessions (connections that reached the
 * milter's first callback) and a reserve of descriptors is kept free; when
 * either limit is reached, libmilter's listener is paused
 * (listensock_pause: new connections wait in the kernel's backlog, nothing
 * spins) and one warning is logged; when the sessions drop below the cap,
 * it resumes at once.  Checked on every session start and end near the
 * limits, and every second.
 *
 * Reload (SIGUSR1) runs in the control thread through ops->reload.
 */
#ifndef MK_DAEMONCTL_H
#define MK_DAEMONCTL_H

#include "milter/listensock.h"

/* Descriptors kept free for DNS, key and map files, syslog. */
#define DAEMONCTL_FD_RESERVE 32

typedef struct daemonctl_ops {
    /* SIGUSR1: re-read the configuration. */
    void (*reload)(void);
    /* The limits of the current configuration (read at each check, so
     * that a reload changes them): seconds a stop waits, sessions. */
    void (*limits)(long *stop_timeout, long *max_sessions);
    /* Called once before the process exits after a stop: removes the pid
     * file, logs the last line. */
    void (*finish)(void);
} daemonctl_ops;

/*
 * Blocks SIGUSR1, SIGHUP, SIGTERM, SIGINT and the listener's wake-up
 * signal in the calling thread.  Call it in main() before any thread
 * exists, so that every thread inherits the mask.  Returns 0, or -1.
 */
int daemonctl_block_signals(void);

/*
 * Starts the control thread for the listening socket ls (found and armed,
 * listensock_arm, with the calling thread as the listener).  fd_limit is
 * the descriptor limit the process runs with.  Unblocks the wake-up signal
 * in the calling thread, which then runs smfi_main().  Returns 0, or -1
 * with *error_r set.
 */
int daemonctl_start(listensock *ls, const daemonctl_ops *ops, long fd_limit,
                    const char **error_r);

/* A session began / ended (milterconn calls them through daemon.h). */
void daemonctl_session_begin(void);
void daemonctl_session_end(void);

/* The session cap for max_sessions given the descriptor limit: at most
 * fd_limit - 2 * DAEMONCTL_FD_RESERVE, at least 1. */
long daemonctl_effective_cap(long max_sessions, long fd_limit);

#endif
