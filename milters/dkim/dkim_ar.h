/*
 * dkim_ar.h - RFC 8601 Authentication-Results: recognising header fields
 * that carry our authserv-id (to remove them), and writing ours.
 *
 * The writer builds one field value as a list of method results, so that
 * other methods (spf=, dmarc=) are added to the same field the way dkim=
 * is:
 *
 *     dkim_ar_begin(&out, authserv_id);
 *     dkim_ar_method(&out, "spf", "pass");
 *     dkim_ar_prop(&out, "smtp", "mailfrom", "user@example.org");
 *     dkim_ar_dkim(&out, res, n, skipped);   (one dkim= per signature)
 *
 * Every value is written in the form RFC 8601 section 2.2 allows for it: a
 * reason is a quoted-string; a property value (pvalue) is written as it is
 * when it is an RFC 2045 token or "[local-part] @ domain-name", and as a
 * quoted-string otherwise; control and non-ASCII bytes are dropped.  Each
 * result starts on a new line (folded with "\n\t").
 *
 * Pure functions, thread-safe.
 */
#ifndef MK_DKIM_AR_H
#define MK_DKIM_AR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "dkim_verify.h"

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

/* Starts a field value: " " and the authserv-id. */
void dkim_ar_begin(str_t *out, const char *authserv_id);
/* Appends one result: ";\n\tMETHOD=RESULT" (both RFC 5321 keywords). */
void dkim_ar_method(str_t *out, const char *method, const char *result);
/* Appends the reason of the result just begun: " reason=\"TEXT\"". */
void dkim_ar_reason(str_t *out, const char *text);
/* Appends " PTYPE.PROPERTY=VALUE" (VALUE quoted when it must be); nothing
 * when value is NULL or empty. */
void dkim_ar_prop(str_t *out, const char *ptype, const char *property, const char *value);
/* Appends " (TEXT)" with the characters a comment may hold. */
void dkim_ar_comment(str_t *out, const char *text);

/*
 * Appends the dkim method: per result "dkim=RESULT reason=\"...\"
 * header.d= header.i= header.a= header.s= header.b=" (the reason when
 * there is one, header.b the first 8 characters of b=), or "dkim=none"
 * when n == 0; skipped signatures are mentioned in a comment.
 */
void dkim_ar_dkim(str_t *out, const dkim_vresult *res, size_t n, size_t skipped);

/* dkim_ar_begin() then dkim_ar_dkim(): the whole value of our field. */
void dkim_ar_build(const char *authserv_id, const dkim_vresult *res, size_t n, size_t skipped,
                   str_t *out);

#endif
