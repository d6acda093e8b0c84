/*
 * spawn.h - runs a program and captures what it prints, within a time
 * limit: the one place where milterkit forks and execs another program
 * (milterkit-mc runs the MTA's tools, milterkit-check the daemons' -n,
 * postconf and swaks).
 *
 * No shell: argv[0] is a path given to execve() as is (no PATH search).
 * The child gets
 *   - the caller's environment, without the variables that opts->env_add
 *     names, plus env_add's NAME=VALUE entries (a secret belongs there or
 *     on stdin, never in argv, which ps(1) shows), and with
 *     opts->c_locale LC_ALL=C (messages in English, for a caller that
 *     reads them), unless env_add sets LC_ALL itself;
 *   - on stdin opts->stdin_data, written as the child reads it (a child
 *     that stops reading early is no error), or /dev/null;
 *   - stdout and stderr on pipes, captured in out and err; with opts->pty
 *     both on one pseudo-terminal instead, captured in out (Postfix's
 *     postfix(1) logs to stderr only when it is a terminal);
 *   - a process group of its own (with pty, a session of its own).
 * Each stream keeps at most opts->max_output bytes; the rest is read and
 * dropped (*_truncated set), so a chatty child never blocks on a full pipe.
 *
 * The run ends when the child exits: what it wrote until then is read to
 * the end; descendants that outlive it (a daemon it started) are neither
 * waited for nor killed.  When the time limit passes first, the child's
 * whole process group is killed with SIGKILL and the child reaped.
 *
 * Thread-safety: everything the child needs (environment, pipes) is made
 * before fork() and the child calls only async-signal-safe functions, so
 * spawn_run() may be called while other threads run (the environment is
 * read as it is then).  During a run SIGPIPE is blocked in the calling
 * thread, and one that writing to the child's stdin caused is not left
 * pending (the child keeps the caller's mask).  Nothing is logged: the
 * caller reports.
 */
#ifndef MK_SPAWN_H
#define MK_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

#define SPAWN_DEFAULT_MAX_OUTPUT (1024u * 1024u)
#define SPAWN_DEFAULT_TIMEOUT_MS 60000u

typedef struct spawn_opts {
    const char *const *env_add; /* NAME=VALUE entries, NULL-terminated; NULL: none */
    bool c_locale;              /* LC_ALL=C unless env_add sets LC_ALL */
    const void *stdin_data;     /* NULL: stdin is /dev/null */
    size_t stdin_len;
    bool pty;            /* stdout and stderr on one pseudo-terminal, captured in out */
    size_t max_output;   /* bytes kept per stream; 0: SPAWN_DEFAULT_MAX_OUTPUT */
    unsigned timeout_ms; /* 0: SPAWN_DEFAULT_TIMEOUT_MS */
} spawn_opts;

typedef enum spawn_end {
    SPAWN_NOT_RUN,   /* it could not be started: error is the errno (pipe, fork, exec) */
    SPAWN_EXITED,    /* code is its exit status */
    SPAWN_SIGNALED,  /* code is the signal that ended it (not sent by us) */
    SPAWN_TIMED_OUT, /* over the time limit: its process group was killed */
} spawn_end;

typedef struct spawn_result {
    spawn_end end;
    int code;                          /* exit status, or signal number */
    int error;                         /* errno when SPAWN_NOT_RUN, else 0 */
    str_t out, err;                    /* what it printed (both in out with pty) */
    bool out_truncated, err_truncated; /* more than max_output was printed */
} spawn_result;

void spawn_result_init(spawn_result *r);
void spawn_result_free(spawn_result *r);

/*
 * Runs argv (NULL-terminated, argv[0] a path) as described at the top;
 * opts may be NULL (every default).  *r is reset, then filled.  Returns 0
 * when the program ran to its end (r->end SPAWN_EXITED or SPAWN_SIGNALED),
 * or -1 with "PROG: reason" appended to why when it could not be started
 * (SPAWN_NOT_RUN; a missing or non-executable program is reported here,
 * with exec's errno, not as an exit status 127) or ran over its time
 * (SPAWN_TIMED_OUT; r holds what it printed until it was killed).
 */
int spawn_run(const char *const argv[], const spawn_opts *opts, spawn_result *r, str_t *why);

/* How it ended, the shell's way.  Returns the exit status, 128+N after
 * signal N, or -1 when it did not run to its end (not started, timed out). */
int spawn_status(const spawn_result *r);

#endif
