/*
 * mc_msg.h - what milterkit-mc tells its user: warnings and errors on
 * stderr, in the user's terms ("smarthost.port: ..."), counted so that the
 * program's exit status reflects them.  Not thread-safe (a CLI tool).
 */
#ifndef MK_MC_MSG_H
#define MK_MC_MSG_H

/* "milterkit-mc: warning: ..." on stderr. */
void mc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "milterkit-mc: error: ..." on stderr; counted. */
void mc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "milterkit-mc: ..." on stderr (progress, hints). */
void mc_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of mc_error() calls so far. */
unsigned mc_errors(void);
/* Number of mc_warn() calls so far. */
unsigned mc_warnings(void);

#endif
