/* mc_msg.c - warnings and errors of milterkit-mc; see mc_msg.h. */
#include "config.h"

#include "mc_msg.h"

#include <stdarg.h>
#include <stdio.h>

static unsigned nerrors, nwarnings;

static void say(const char *kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void say(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "milterkit-mc: %s", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void mc_warn(const char *fmt, ...)
{
    va_list ap;

    nwarnings++;
    va_start(ap, fmt);
    say("warning: ", fmt, ap);
    va_end(ap);
}

void mc_error(const char *fmt, ...)
{
    va_list ap;

    nerrors++;
    va_start(ap, fmt);
    say("error: ", fmt, ap);
    va_end(ap);
}

void mc_note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
}

unsigned mc_errors(void)
{
    return nerrors;
}

unsigned mc_warnings(void)
{
    return nwarnings;
}
