/*
 * spf_record.h - one SPF record (RFC 7208 sections 4.5, 4.6.1, 5, 6, 12)
 * parsed into its terms, with every syntax error found before anything is
 * evaluated (4.6: "any syntax errors anywhere in the record MUST be
 * detected").
 *
 *   record  = "v=spf1" *( 1*SP ( directive / modifier ) ) *SP
 *   directive = [ "+" / "-" / "?" / "~" ] mechanism
 *   mechanism = all / include / a / mx / ptr / ip4 / ip6 / exists
 *   modifier  = redirect / explanation / unknown-modifier
 *
 * Names of mechanisms and modifiers and the version are matched without
 * regard to case (ABNF strings, RFC 5234).  Terms are separated by spaces
 * only; any other control character, a non-ASCII byte or a NUL inside a
 * term is a syntax error.  Checked here:
 *   - every domain-spec is a valid macro-string (spf_macro.h, without the
 *     explanation-only letters c, r, t) that ends in a macro or in "."
 *     toplabel ["."] (7.1), where a toplabel is not all digits and does not
 *     begin or end with "-";
 *   - "all" takes nothing; include and exists need ":" domain-spec and take
 *     no prefix length; ptr takes an optional domain-spec only; a and mx an
 *     optional domain-spec and a dual prefix length ("/24", "//64",
 *     "/24//64"); prefix lengths are 0..32 and 0..128 without leading zeros;
 *     ip4 takes a dotted quad without leading zeros, ip6 an RFC 4291 address;
 *   - redirect= and exp= at most once each, with a domain-spec; any other
 *     modifier is name "=" macro-string with name = ALPHA *(ALPHA / DIGIT /
 *     "-" / "_" / "."), and is ignored;
 *   - at most SPF_RECORD_MAX_TERMS terms (a real record has a handful;
 *     the lookup limits stop evaluation long before).
 *
 * The parse keeps pointers into the record text: the text must outlive the
 * spf_record.  Reentrant.
 */
#ifndef MK_SPF_RECORD_H
#define MK_SPF_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cidr.h"

#define SPF_RECORD_MAX_TERMS 1024

typedef enum spf_mech {
    SPF_MECH_ALL,
    SPF_MECH_INCLUDE,
    SPF_MECH_A,
    SPF_MECH_MX,
    SPF_MECH_PTR,
    SPF_MECH_IP4,
    SPF_MECH_IP6,
    SPF_MECH_EXISTS,
} spf_mech;

/* A byte range of the record text. */
typedef struct spf_span {
    const char *p; /* NULL when absent */
    size_t len;
} spf_span;

typedef struct spf_term {
    spf_mech mech;
    char qualifier;  /* '+', '-', '~' or '?' ('+' when not written) */
    spf_span domain; /* domain-spec (include, exists; a, mx, ptr if given) */
    cidr net;        /* ip4, ip6: the network, host bits cleared */
    unsigned cidr4;  /* a, mx: IPv4 prefix length (32 if not given) */
    unsigned cidr6;  /* a, mx: IPv6 prefix length (128 if not given) */
    spf_span text;   /* the term as written, for logs */
} spf_term;

typedef struct spf_record {
    spf_term *terms; /* nterms mechanisms in record order; owned */
    size_t nterms;
    spf_span redirect; /* redirect= domain-spec, p NULL if none */
    spf_span exp;      /* exp= domain-spec, p NULL if none (never evaluated here) */
} spf_record;

/* True when txt[0..len) starts with "v=spf1" (any case) followed by a space
 * or its end: an SPF record, to select (4.5). */
bool spf_record_is_spf1(const char *txt, size_t len);

/*
 * Parses an SPF record (one that spf_record_is_spf1 selects).  *out is
 * overwritten; free it with spf_record_free() whatever the result.
 * Returns 0, or -1 with *error_r set to a static reason and, when a term
 * is at fault, *bad_term set to it (bad_term may be NULL).
 */
int spf_record_parse(const char *txt, size_t len, spf_record *out, spf_span *bad_term,
                     const char **error_r);
void spf_record_free(spf_record *r);

#endif
