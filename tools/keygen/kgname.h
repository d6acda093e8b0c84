/*
 * kgname.h - numbers and the default selector of milterkit-keygen.  Domain
 * and selector names are checked by lib/core/dname (dname_check_dkim_key),
 * the same rules as the dkim.keys entries of milterkit.conf.
 * Pure functions; thread-safe.
 */
#ifndef MK_KGNAME_H
#define MK_KGNAME_H

#include <stddef.h>
#include <time.h>

/* Checked strtol of a whole decimal string.  Returns 0, or -1. */
int kgname_parse_long(const char *s, long *out);

/* Writes the default selector for time t, YYYYMM in local time ("202611"). */
void kgname_default_selector(time_t t, char *buf, size_t size);

#endif
