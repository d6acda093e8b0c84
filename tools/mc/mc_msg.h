/*
 * mc_msg.h - what milterkit-mc tells its user: warnings and errors on
 * stderr, in the user's terms, counted so that the program's exit status
 * reflects them.  An error about a setting names where it is set:
 * "FILE:LINE: mta.smarthost.port: ..." (lib/core/cfg's cfg_where), the
 * way the daemons' -n does.  Every problem of a run is reported, not only
 * the first.  Not thread-safe (a CLI tool).
 */
#ifndef MK_MC_MSG_H
#define MK_MC_MSG_H

/* The configuration file that mc_error_at()/mc_warn_at() point into. */
void mc_msg_conf(const char *path);

/* "milterkit-mc: warning: ..." on stderr; counted. */
void mc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "milterkit-mc: error: ..." on stderr; counted. */
void mc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* mc_error() and mc_warn() about the setting key ("mta.smarthost.port"):
 * "milterkit-mc: error: FILE:LINE: KEY: ...", or "FILE: KEY: ..." when the
 * file does not set it (a default). */
void mc_error_at(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mc_warn_at(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "milterkit-mc: ..." on stderr (progress, hints). */
void mc_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of mc_error() calls so far. */
unsigned mc_errors(void);
/* "milterkit-mc: N errors, M warnings; OUTCOME" when there were errors
 * (outcome: what became of the files, e.g. "nothing written"). */
void mc_msg_summary(const char *outcome);

#endif
