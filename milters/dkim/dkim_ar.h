/*
 * dkim_ar.h - RFC 8601 Authentication-Results: recognising headers that
 * carry our authserv-id (to remove them), and writing ours.
 *
 * Pure functions, thread-safe.
 */
#ifndef MK_DKIM_AR_H
#define MK_DKIM_AR_H

#include <stdbool.h>
#include <stddef.h>

#include "dkim_verify.h"
#include "core/str.h"

#define DKIM_AR_HEADER "Authentication-Results"

/*
 * Whether an Authentication-Results value names authserv_id (ASCII case
 * ignored), whatever follows it and even if the rest cannot be parsed:
 * leading CFWS (comments nest) is skipped, then a quoted-string is
 * unquoted or a token read up to white space, ';' or '('.
 */
bool dkim_ar_is_ours(const char *value, const char *authserv_id);

/* Appends authserv_id, quoted when it is not an RFC 2045 token. */
void dkim_ar_authserv(const char *authserv_id, str_t *out);

/*
 * Appends the header VALUE (it starts with one space): the authserv-id,
 * then per result "dkim=RESULT (reason) header.d= header.i= header.a=
 * header.s= header.b=", or "dkim=none" when n == 0; skipped signatures are
 * mentioned in a comment.  Property values that are not plain tokens are
 * quoted; control and non-ASCII bytes are dropped.  Folded with "\n\t".
 */
void dkim_ar_build(const char *authserv_id, const dkim_vresult *res, size_t n, size_t skipped,
                   str_t *out);

#endif
