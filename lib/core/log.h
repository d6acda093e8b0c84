/*
 * log.h - the one logging API of milterkit.
 *
 * The sink is chosen once by log_init(): stderr in foreground mode, syslog
 * otherwise.  Levels are syslog's (LOG_ERR ... LOG_DEBUG); messages above the
 * configured level are dropped.  Every function preserves errno.
 *
 * Per-message lines go through log_q(): they start with the MTA queue id
 * ("NOQUEUE" when it is not known yet) and carry key=value pairs.  Text that
 * came from the network must go through log_safe() first: it replaces
 * control and non-ASCII bytes and caps the length.
 *
 * log_init() and log_set_level() are called at start-up (before threads);
 * the logging calls themselves are thread-safe.
 */
#ifndef MK_LOG_H
#define MK_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* Maximum bytes of untrusted text that log_safe() keeps. */
#define LOG_SAFE_MAX 256
/* Maximum bytes of one log line (queue id and text); a longer one is cut
 * and ends in "...". */
#define LOG_LINE_MAX 2047

/* Returns 0, or -1 with *error_r set when the facility name is unknown. */
int log_init(const char *ident, bool foreground, const char *facility, const char **error_r);
void log_set_level(int level);
/* Parses "err", "warning", "notice", "info", "debug".  Returns the LOG_*
 * level, or -1 when unknown. */
int log_level_from_name(const char *name);
/* Maps a facility name ("mail", "local0".."local7", "daemon", "user").
 * Returns the LOG_* facility, or -1 when unknown. */
int log_facility_from_name(const char *name);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line about one message: "QID: text".  qid may be NULL or empty; it is
 * untrusted (the MTA's macro i, whatever the peer sent): it is logged
 * through log_safe(), so at most LOG_SAFE_MAX printable bytes of it. */
void log_q(int level, const char *qid, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Logs at LOG_ERR and exits with status 1: start-up problems only. */
_Noreturn void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copies at most len bytes of src into buf (size LOG_SAFE_MAX + 4) as
 * printable ASCII: control bytes and bytes >= 0x7f become '?', and
 * an overlong value ends in "...".  Stops at a NUL.  Returns buf.
 */
typedef struct { char s[LOG_SAFE_MAX + 4]; } log_safe_buf;
const char *log_safe(log_safe_buf *buf, const char *src, size_t len);
const char *log_safe_cstr(log_safe_buf *buf, const char *src); /* NULL -> "" */

#endif
