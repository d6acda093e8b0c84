/*
 * mem.h - memory allocation that never returns NULL, and panics.
 *
 * Every allocator here aborts the process (after logging) when memory is
 * exhausted or a size computation overflows: callers never test for NULL.
 * mem_free() takes the address of the pointer and sets it to NULL.
 * panic() is for our own bugs only; it is never compiled out.
 * All functions are thread-safe.
 */
#ifndef MK_MEM_H
#define MK_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);                 /* uninitialised */
void *mem_zalloc(size_t size);                /* zeroed */
void *mem_array(size_t n, size_t size);       /* zeroed n*size, overflow checked */
void *mem_realloc(void *p, size_t size);
void *mem_realloc_array(void *p, size_t n, size_t size); /* overflow checked */
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);   /* copies at most n bytes, adds NUL */
void *mem_dup(const void *p, size_t n);
/* Frees *pp (which may be NULL) and sets *pp to NULL. */
void mem_free_ptr(void **pp);
#define mem_free(pp) mem_free_ptr((void **)(pp))

/* Logs "panic: ..." and aborts. For violated invariants (our bugs) only. */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
