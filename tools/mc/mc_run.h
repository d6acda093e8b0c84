/*
 * mc_run.h - runs the MTA's own tools (m4, makemap, sendmail -bt, postconf,
 * postfix check, postmap, diff, systemctl) and captures what they say.
 * These tools often exit 0 with warnings on stderr, so callers look at
 * the text too.
 *
 * A thin layer over lib/core/spawn (no shell; argv[0] a path; the time
 * limit kills the tool's process group) with what every run of milterkit-mc
 * wants: LC_ALL=C, an input file on stdin, LD_LIBRARY_PATH for an MTA
 * unpacked below --mta-root, a pseudo-terminal for postfix(1).  Secrets
 * are never passed in argv or the environment.
 */
#ifndef MK_MC_RUN_H
#define MK_MC_RUN_H

#include <stdbool.h>

#include "core/str.h"

#define MC_RUN_MAX_OUTPUT (4 * 1024 * 1024) /* bytes kept of each stream */
#define MC_RUN_MAX_INPUT (64 * 1024 * 1024) /* bytes of a stdin_path file */

typedef struct mc_run_opts {
    const char *stdin_path;      /* NULL: /dev/null; else this file's contents */
    bool pty;                    /* stdout+stderr on a pseudo-terminal, captured in
                                    out (Postfix commands log to stderr only then) */
    const char *ld_library_path; /* NULL: unchanged */
    int timeout;                 /* seconds; 0: 120 */
} mc_run_opts;

typedef struct mc_run_result {
    int status;     /* exit code; 128+N when killed by signal N; -1 not run */
    bool truncated; /* a stream printed more than MC_RUN_MAX_OUTPUT (the rest dropped) */
    str_t out;      /* captured stdout (and stderr with pty) */
    str_t err;      /* captured stderr */
} mc_run_result;

void mc_run_result_init(mc_run_result *r);
void mc_run_result_free(mc_run_result *r);

/* Runs argv[0] (a path) with argv.  Returns 0 when the program ran (see
 * r->status), or -1 with a message in why when it could not be started
 * (a missing program, an unreadable stdin_path) or ran over its time (then
 * it was killed).  r is reset first. */
int mc_run(const char *const argv[], const mc_run_opts *opts, mc_run_result *r, str_t *why);

/* For programs of an MTA unpacked below root (--mta-root; "" is the
 * system): LD_LIBRARY_PATH = ROOT/rel in o, the string kept in libdir.
 * Nothing when root is "". */
void mc_run_libdir(const char *root, const char *rel, mc_run_opts *o, str_t *libdir);

/* The first of names (paths relative to root; root "" is /) that is an
 * executable file, in out.  Returns 0, or -1 when none is. */
int mc_run_find(const char *root, const char *const *names, str_t *out);

#endif
