/*
 * kgname.c - number checks and the default selector of milterkit-keygen.
 */
#include "config.h"

#include "kgname.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

int kgname_parse_long(const char *s, long *out)
{
    char *end;
    if (*s == '\0')
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

void kgname_default_selector(time_t t, char *buf, size_t size)
{
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y%m", &tm) == 0)
        panic("kgname_default_selector: cannot format the date");
}
