/*
 * dnsname.h - DNS names as text, for SPF and DMARC: normal form, labels,
 * the structural rule of RFC 1035 (labels of 1..63 bytes of any value, at
 * most 253 bytes), the form a name takes in a query, and IDNA (U-labels to
 * A-labels).  What a host name we write may hold (letters, digits,
 * hyphens: RFC 1123) is lib/core/dname's rule; a name looked up in DNS,
 * such as an SPF macro expansion or a _dmarc name, only has to be
 * structurally valid, which is this module's.
 *
 * A "normal" name here is lower case (ASCII letters only), without a
 * trailing dot.  Names are (ptr, len) on input and may hold any byte;
 * nothing is assumed about their characters unless a function says so.
 * Every function is reentrant.
 */
#ifndef MK_DNSNAME_H
#define MK_DNSNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

#define DNSNAME_MAX 253      /* bytes of a name in text, without the trailing dot */
#define DNSNAME_MAX_LABEL 63 /* bytes of one label */

/* Appends name[0..len) lower-cased (ASCII), one trailing dot dropped. */
void dnsname_normalize(const char *name, size_t len, str_t *out);

/* Labels of a name without trailing dot ("" has 0; "a..b" counts 3). */
size_t dnsname_labels(const char *name);

/* The name without its first n labels: a pointer into name ("" when no
 * label is left). */
const char *dnsname_drop_labels(const char *name, size_t n);

/* True when name equals parent or lies below it ("a.b.example" within
 * "example"), ASCII case ignored.  Both without trailing dot. */
bool dnsname_within(const char *name, const char *parent);

/* ASCII case-insensitive equality of two names without trailing dots. */
bool dnsname_equal(const char *a, const char *b);

/* True when every label is 1..63 bytes and the name 1..253 bytes (one
 * trailing dot allowed and not counted). */
bool dnsname_well_formed(const char *name, size_t len);

/*
 * Appends name[0..len) (well formed, see above) as a query name for
 * dns_lookup(): letters, digits, '-' and '_' as they are, '.' between
 * labels, every other byte as \DDD, so that any label (a space, a '%', a
 * backslash from a macro expansion) is asked for literally and no byte can
 * change the name's structure.  Returns 0, or -1 when the name is not well
 * formed (nothing appended).
 */
int dnsname_query_form(const char *name, size_t len, str_t *out);

/*
 * Appends the A-label form of name[0..len) (RFC 5890 2.3, through libidn2):
 * an all-ASCII name is copied as it is; a name with UTF-8 U-labels is
 * converted (IDNA2008, UTS #46 non-transitional mapping).  Returns
 * 0, or -1 with *error_r set (bad UTF-8, a label IDNA refuses).
 */
int dnsname_to_ascii(const char *name, size_t len, str_t *out, const char **error_r);

#endif
