/* mc_msg.c - warnings and errors of milterkit-mc; see mc_msg.h. */
#include "config.h"

#include "mc_msg.h"

#include "core/cfg.h"
#include "core/str.h"

#include <stdarg.h>
#include <stdio.h>

static unsigned nerrors, nwarnings;
static const char *conf_path;

static void say(const char *kind, const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void say(const char *kind, const char *key, const char *fmt, va_list ap)
{
    str_t where;

    str_init(&where);
    if (key != NULL && conf_path != NULL)
        cfg_where(conf_path, key, &where);
    else if (key != NULL)
        str_printf(&where, "%s: ", key);
    fprintf(stderr, "milterkit-mc: %s%s", kind, where.len ? where.buf : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    str_free(&where);
}

void mc_msg_conf(const char *path)
{
    conf_path = path;
}

void mc_warn(const char *fmt, ...)
{
    va_list ap;

    nwarnings++;
    va_start(ap, fmt);
    say("warning: ", NULL, fmt, ap);
    va_end(ap);
}

void mc_error(const char *fmt, ...)
{
    va_list ap;

    nerrors++;
    va_start(ap, fmt);
    say("error: ", NULL, fmt, ap);
    va_end(ap);
}

void mc_warn_at(const char *key, const char *fmt, ...)
{
    va_list ap;

    nwarnings++;
    va_start(ap, fmt);
    say("warning: ", key, fmt, ap);
    va_end(ap);
}

void mc_error_at(const char *key, const char *fmt, ...)
{
    va_list ap;

    nerrors++;
    va_start(ap, fmt);
    say("error: ", key, fmt, ap);
    va_end(ap);
}

void mc_note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say("", NULL, fmt, ap);
    va_end(ap);
}

unsigned mc_errors(void)
{
    return nerrors;
}

void mc_msg_summary(const char *outcome)
{
    if (nerrors > 0)
        fprintf(stderr, "milterkit-mc: %u error%s, %u warning%s; %s\n", nerrors,
                nerrors == 1 ? "" : "s", nwarnings, nwarnings == 1 ? "" : "s", outcome);
}
