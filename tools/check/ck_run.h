/*
 * ck_run.h - runs a program (a milterkit daemon's -n, postconf, swaks) with
 * a time limit and captures what it prints.
 *
 * No shell: argv[0] is a path given to execve().  The child gets the
 * caller's environment plus the NAME=VALUE entries of env_add (which
 * replace variables of the same name; for secrets: never put them in
 * argv, where ps shows them), LC_ALL=C, /dev/null on stdin, and a process
 * group of its own, which is killed when the time is up.  Output is
 * captured up to CK_RUN_MAX_OUTPUT bytes per stream (the rest is read and
 * dropped).  Everything the child needs is prepared before fork(), so it is
 * safe to call while other threads run.
 *
 * (milterkit-mc has its own runner, tools/mc/mc_run, with a pseudo-terminal
 * mode that only Postfix's `postfix check` needs; the two could become one
 * module in lib/ once both tools are settled.)
 */
#ifndef MK_CK_RUN_H
#define MK_CK_RUN_H

#include "core/str.h"

#define CK_RUN_MAX_OUTPUT (1024 * 1024)

typedef struct ck_run_result {
    int status; /* exit code; 128+N when killed by signal N; -1 not run */
    str_t out;  /* captured stdout */
    str_t err;  /* captured stderr */
} ck_run_result;

void ck_run_result_init(ck_run_result *r);
void ck_run_result_free(ck_run_result *r);

/*
 * Runs argv (NULL-terminated) for at most timeout seconds.  Returns 0 when
 * the program ran to its end (see r->status; 127 when it could not be
 * executed), or -1 with a message appended to why when it could not be
 * started or ran over its time (then it was killed).  r is reset first.
 * env_add may be NULL.
 */
int ck_run(const char *const argv[], const char *const env_add[], int timeout,
           ck_run_result *r, str_t *why);

#endif
