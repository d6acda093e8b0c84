/* mem.c - allocation that never returns NULL; see mem.h. */
#include "config.h"

#include "core/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    char buf[512];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "panic: %s\n", buf);
    syslog(LOG_CRIT, "panic: %s", buf);
    abort();
}

static void *checked(void *p, size_t size)
{
    if (p == NULL && size != 0)
        panic("out of memory allocating %zu bytes", size);
    return p;
}

void *mem_alloc(size_t size)
{
    return checked(malloc(size ? size : 1), size ? size : 1);
}

void *mem_zalloc(size_t size)
{
    return checked(calloc(1, size ? size : 1), size ? size : 1);
}

void *mem_array(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        panic("allocation overflow: %zu * %zu", n, size);
    return mem_zalloc(n * size);
}

void *mem_realloc(void *p, size_t size)
{
    return checked(realloc(p, size ? size : 1), size ? size : 1);
}

void *mem_realloc_array(void *p, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        panic("allocation overflow: %zu * %zu", n, size);
    return mem_realloc(p, n * size);
}

char *mem_strdup(const char *s)
{
    return mem_dup(s, strlen(s) + 1);
}

char *mem_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = mem_alloc(len + 1);

    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void *mem_dup(const void *p, size_t n)
{
    void *d = mem_alloc(n);

    if (n)
        memcpy(d, p, n);
    return d;
}

void mem_free_ptr(void **pp)
{
    if (pp == NULL)
        return;
    free(*pp);
    *pp = NULL;
}
