/* log.c - logging to syslog or stderr; see log.h. */
#include "config.h"

#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool to_stderr = true;
static _Atomic int max_level = LOG_INFO;
static const char *log_ident = "milterkit";

static const struct { const char *name; int value; } facilities[] = {
    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

static const struct { const char *name; int value; } levels[] = {
    {"err", LOG_ERR}, {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
    {"info", LOG_INFO}, {"debug", LOG_DEBUG},
};

int log_facility_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
        if (strcmp(name, facilities[i].name) == 0)
            return facilities[i].value;
    return -1;
}

int log_level_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (strcmp(name, levels[i].name) == 0)
            return levels[i].value;
    return -1;
}

int log_init(const char *ident, bool foreground, const char *facility, const char **error_r)
{
    int fac = log_facility_from_name(facility ? facility : "mail");

    if (fac < 0) {
        *error_r = "unknown syslog facility";
        return -1;
    }
    log_ident = ident;
    to_stderr = foreground;
    if (!foreground)
        openlog(ident, LOG_PID | LOG_NDELAY, fac);
    return 0;
}

void log_set_level(int level)
{
    max_level = level;
}

static const char *level_name(int level)
{
    switch (level) {
    case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: return "fatal";
    case LOG_ERR: return "error";
    case LOG_WARNING: return "warning";
    case LOG_NOTICE: return "notice";
    case LOG_INFO: return "info";
    default: return "debug";
    }
}

/* Writes one formatted line.  The queue id comes from the peer: it is made
 * printable and capped by log_safe() before it goes in, so that its length
 * can never move the message past the end of line (it once did: a 3000-byte
 * id made vsnprintf write 954 bytes past it).  Every length is checked. */
__attribute__((format(printf, 3, 0)))
static void vlog(int level, const char *qid, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX + 1];
    size_t off = 0;
    int n, saved = errno;
    log_safe_buf q;

    if (level > max_level) {
        errno = saved;
        return;
    }
    if (qid != NULL) {
        n = snprintf(line, sizeof line, "%s: ", *qid ? log_safe_cstr(&q, qid) : "NOQUEUE");
        off = n > 0 && (size_t)n < sizeof line ? (size_t)n : 0;
    }
    line[off] = '\0';
    errno = saved; /* keep %m working */
    n = vsnprintf(line + off, sizeof line - off, fmt, ap);
    /* An overlong line is cut on purpose (untrusted parts are capped by
     * log_safe() already); the cut is marked, never silent. */
    if (n < 0)
        snprintf(line + off, sizeof line - off, "(unprintable log message: %s)", fmt);
    else if ((size_t)n >= sizeof line - off)
        memcpy(line + sizeof line - 4, "...", 4);
    if (to_stderr) {
        fprintf(stderr, "%s[%ld]: %s: %s\n", log_ident, (long)getpid(), level_name(level), line);
        fflush(stderr);
    } else {
        syslog(level, "%s", line);
    }
    errno = saved;
}

void log_msg(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(level, NULL, fmt, ap);
    va_end(ap);
}

void log_q(int level, const char *qid, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(level, qid ? qid : "", fmt, ap);
    va_end(ap);
}

_Noreturn void log_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_ERR, NULL, fmt, ap);
    va_end(ap);
    exit(1);
}

const char *log_safe(log_safe_buf *buf, const char *src, size_t len)
{
    size_t i, o = 0;

    for (i = 0; i < len && src[i] != '\0'; i++) {
        unsigned char c = (unsigned char)src[i];

        if (o == LOG_SAFE_MAX) {
            memcpy(buf->s + o, "...", 3);
            o += 3;
            break;
        }
        buf->s[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    buf->s[o] = '\0';
    return buf->s;
}

const char *log_safe_cstr(log_safe_buf *buf, const char *src)
{
    if (src == NULL) {
        buf->s[0] = '\0';
        return buf->s;
    }
    return log_safe(buf, src, strlen(src));
}
