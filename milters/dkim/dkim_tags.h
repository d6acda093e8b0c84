/*
 * dkim_tags.h - what milterkit-dkim reads itself in RFC 6376 tag-lists
 * (DKIM-Signature values and key records) from the network, beside
 * libopendkim: a tag that occurs twice, one tag's value, the q= methods,
 * and dkim-quoted-printable (i=).
 *
 * A tag-list is "name=value" specs separated by ';' with folding white
 * space around names and values (RFC 6376 3.2).  Inputs are (ptr, len),
 * never read past len, and may hold any byte.
 *
 * Pure functions, thread-safe.
 */
#ifndef MK_DKIM_TAGS_H
#define MK_DKIM_TAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

/* Tag names longer than this are not compared (no tag of RFC 6376 is). */
#define DKIM_TAGS_NAME_MAX 64

/*
 * Whether a tag name occurs twice in the tag-list (names are case-sensitive,
 * RFC 6376 3.2); the first such name is appended to name (when not NULL).
 */
bool dkim_tags_duplicate(const char *list, size_t len, str_t *name);

/*
 * Appends the value of tag to out with all white space removed, as
 * libopendkim keeps it.  Returns true when the tag is present (the last one
 * when it occurs twice, as libopendkim reads it), false otherwise.
 */
bool dkim_tags_value(const char *list, size_t len, const char *tag, str_t *out);

/*
 * Whether the value of a q= tag names a query method we can use: one of
 * its colon-separated methods is "dns/txt" (case ignored); the others are
 * ignored as RFC 6376 3.5 says.
 */
bool dkim_tags_query_ok(const char *q);

/*
 * Appends to out the dkim-quoted-printable value in (RFC 6376 2.11: "=XX"
 * is the byte XX in hexadecimal; white space is removed).  Returns 0, or -1
 * when in holds a "=" that is not followed by two hex digits (out then
 * holds what was decoded before it).
 */
int dkim_tags_qp_decode(const char *in, size_t len, str_t *out);

#endif
