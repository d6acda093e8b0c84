/* str.c - growable byte strings; see str.h. */
#include "config.h"

#include "core/str.h"

#include "core/mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void str_init(str_t *s)
{
    s->cap = 16;
    s->buf = mem_alloc(s->cap);
    s->buf[0] = '\0';
    s->len = 0;
}

void str_free(str_t *s)
{
    mem_free(&s->buf);
    s->len = s->cap = 0;
}

void str_clear(str_t *s)
{
    s->len = 0;
    if (s->buf)
        s->buf[0] = '\0';
}

static void reserve(str_t *s, size_t extra)
{
    size_t need;

    if (extra > SIZE_MAX - s->len - 1)
        panic("str: length overflow");
    need = s->len + extra + 1;
    if (need <= s->cap)
        return;
    if (s->cap == 0)
        s->cap = 16;
    while (s->cap < need)
        s->cap = s->cap > SIZE_MAX / 2 ? need : s->cap * 2;
    s->buf = mem_realloc(s->buf, s->cap);
}

void str_append(str_t *s, const void *p, size_t n)
{
    reserve(s, n);
    if (n)
        memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

void str_append_cstr(str_t *s, const char *cstr)
{
    str_append(s, cstr, strlen(cstr));
}

void str_append_char(str_t *s, char c)
{
    str_append(s, &c, 1);
}

void str_vprintf(str_t *s, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        panic("str_printf: bad format");
    reserve(s, (size_t)n);
    vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
    s->len += (size_t)n;
}

void str_printf(str_t *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    str_vprintf(s, fmt, ap);
    va_end(ap);
}

void str_truncate(str_t *s, size_t len)
{
    if (len > s->len)
        panic("str_truncate past end");
    s->len = len;
    s->buf[len] = '\0';
}

char *str_steal(str_t *s)
{
    char *b = s->buf;

    s->buf = NULL;
    s->len = s->cap = 0;
    return b;
}

bool str_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *str_dup_trimmed(const char *s, size_t n)
{
    while (n > 0 && str_is_space(*s))
        s++, n--;
    while (n > 0 && str_is_space(s[n - 1]))
        n--;
    return mem_strndup(s, n);
}
