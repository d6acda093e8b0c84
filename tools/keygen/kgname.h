/*
 * kgname.h - checks of the names milterkit-keygen puts into DNS records,
 * file names and milterkit.conf: domains, selectors, numbers.
 * Pure functions; thread-safe.
 */
#ifndef MK_KGNAME_H
#define MK_KGNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * A DNS name of letter-digit-hyphen labels (1..63 bytes each, not starting
 * or ending with '-'; '_' allowed), dot-separated, at most 253 bytes, at
 * least two labels, no trailing dot.
 */
bool kgname_valid_domain(const char *s);

/*
 * A selector: one or more such labels (RFC 6376 3.1), at most 63 bytes in
 * all, so that it is also a safe file name (no '/', no leading '.').
 */
bool kgname_valid_selector(const char *s);

/* Checked strtol of a whole decimal string.  Returns 0, or -1. */
int kgname_parse_long(const char *s, long *out);

/* Writes the default selector for time t, YYYYMM in local time ("202611"). */
void kgname_default_selector(time_t t, char *buf, size_t size);

#endif
