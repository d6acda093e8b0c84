/*
 * str.h - a growable byte string with overflow checks.
 *
 * A str_t holds len bytes at buf, always followed by a NUL that is not part
 * of len (so buf can be passed to C string functions when the content has no
 * NUL of its own).  Bytes may include NUL.  Appending never truncates: it
 * grows the buffer, and panics (mem.h) on overflow or exhausted memory.
 * A str_t is not thread-safe; one owner at a time.
 */
#ifndef MK_STR_H
#define MK_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct str {
    char *buf;  /* NUL-terminated; NULL only after str_steal or str_free */
    size_t len; /* bytes in use, not counting the NUL */
    size_t cap; /* allocated bytes */
} str_t;

void str_init(str_t *s);
void str_free(str_t *s);              /* frees the buffer; s may be reused after str_init */
void str_clear(str_t *s);             /* len = 0, keeps the buffer */
void str_append(str_t *s, const void *p, size_t n);
void str_append_cstr(str_t *s, const char *cstr);
void str_append_char(str_t *s, char c);
void str_printf(str_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void str_vprintf(str_t *s, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void str_truncate(str_t *s, size_t len); /* len must be <= s->len */
/* Gives away the buffer (caller frees with mem_free).  s is left empty and
 * owns nothing: str_free(s) is then a no-op, and appending to it again
 * allocates a new buffer. */
char *str_steal(str_t *s);

/* Whether c is a space, tab, CR or LF. */
bool str_is_space(char c);
/* A copy of s[0..n) without its leading and trailing str_is_space()
 * characters (mem_free it). */
char *str_dup_trimmed(const char *s, size_t n);

#endif
