/*
 * kgname.c - domain, selector and number checks for milterkit-keygen.
 */
#include "config.h"

#include "kgname.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static bool is_ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

/* Counts labels of s, or returns -1 on a bad label. */
static int count_labels(const char *s)
{
    int labels = 0;
    while (*s != '\0') {
        size_t n = 0;
        while (is_ldh(s[n]))
            n++;
        if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
            return -1;
        labels++;
        if (s[n] == '\0')
            break;
        if (s[n] != '.' || s[n + 1] == '\0')
            return -1;
        s += n + 1;
    }
    return labels;
}

bool kgname_valid_domain(const char *s)
{
    return strlen(s) <= 253 && count_labels(s) >= 2;
}

bool kgname_valid_selector(const char *s)
{
    return strlen(s) <= 63 && count_labels(s) >= 1;
}

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
