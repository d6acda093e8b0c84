/*
 * spf_macro.h - SPF macro strings (RFC 7208 section 7): their syntax, and
 * their expansion into a domain name or text.
 *
 *   macro-string = *( macro-expand / macro-literal )
 *   macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
 *                  / "%%" / "%_" / "%-"
 *   macro-literal = %x21-24 / %x26-7E      (visible ASCII but "%")
 *
 * Letters s l o d i p h v (and, in explanation text only, c r t), in either
 * case (upper case: the value is URL-escaped, 7.3); transformers: a
 * non-zero number of right-hand parts to keep and "r" to reverse first;
 * delimiters . - + , / _ = (default ".").  Letters and "r" are matched
 * without regard to case, as ABNF strings are (RFC 5234 2.3).
 *
 * Nothing here does DNS: %{p} asks a callback of the caller.  Every
 * function is reentrant; input is (ptr, len) and may hold any byte.
 */
#ifndef MK_SPF_MACRO_H
#define MK_SPF_MACRO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cidr.h"
#include "core/str.h"

/* An expansion longer than this is refused (a hostile record could repeat
 * %{s} thousands of times); no sane record comes near it. */
#define SPF_MACRO_MAX_OUT 16384u

/* Syntax flags. */
#define SPF_MACRO_EXP_LETTERS 0x1u /* c, r, t allowed (explanation text) */

/* What one macro-string holds, for domain-spec checks. */
typedef struct spf_macro_shape {
    bool ends_with_expand; /* the last token is a macro-expand ("%{..}", "%%", "%_", "%-") */
    size_t literal_tail;   /* bytes of literal text after the last macro-expand */
    bool has_p;            /* uses %{p} (costs DNS lookups) */
} spf_macro_shape;

/*
 * Checks that s[0..len) is a macro-string.  shape may be NULL.
 * Returns 0, or -1 with *error_r set to a static reason ("bad macro
 * letter", "zero digit transformer", "'%' not followed by '{', '%', '_'
 * or '-'", "character not allowed", ...).
 */
int spf_macro_check(const char *s, size_t len, unsigned flags, spf_macro_shape *shape,
                    const char **error_r);

/* The values the letters expand to. */
typedef struct spf_macro_env {
    const char *sender;        /* s: local-part@domain */
    const char *local;         /* l: local-part ("postmaster" for a null one) */
    const char *sender_domain; /* o: the domain of sender */
    const char *domain;        /* d: the domain being checked */
    const cidr_addr *ip;       /* i, c, v: the client (IPv4 as ::ffff:a.b.c.d) */
    const char *helo;          /* h: the HELO/EHLO domain ("" if none) */
    const char *receiver;      /* r: our host name (exp only; "unknown" if NULL) */
    /* p: the validated name of ip, or "unknown"; asked for each %{p} of
     * the string (the caller caches: spf.c looks the names up once per
     * evaluation), never when the string has none.  NULL: "unknown". */
    const char *(*validated_name)(void *ctx);
    void *ctx;
} spf_macro_env;

/*
 * Appends the expansion of s[0..len) (checked as by spf_macro_check with
 * flags) to out.  Returns 0, or -1 with *error_r set (a syntax error, or
 * an expansion longer than SPF_MACRO_MAX_OUT).
 */
int spf_macro_expand(const char *s, size_t len, unsigned flags, const spf_macro_env *env,
                     str_t *out, const char **error_r);

/* The "i" value of an address: "192.0.2.1", or 32 dot-separated nibbles
 * (lower case) for IPv6. */
void spf_macro_ip_dotted(const cidr_addr *ip, str_t *out);

#endif
