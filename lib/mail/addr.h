/*
 * addr.h - RFC 5322 address lists and RFC 5321 envelope addresses, parsed
 * in place.
 *
 * The parser never copies or changes its input: it reports, for every
 * address, byte offsets into the ORIGINAL value (ptr, len), so a caller can
 * rewrite exactly the bytes it means to and keep every other byte (comments,
 * spacing, folding, display names, encoded words) as it was.
 *
 * Input is (ptr, len) and never needs a terminating NUL; nothing past len is
 * read.  A NUL byte inside the value is malformed input.
 *
 * Accepted (RFC 5322 with its obsolete syntax, RFC 6532):
 *   display names (atoms, quoted strings with \ escapes, dots as in obs-phrase,
 *   RFC 2047 encoded words, which are atoms and are left alone), angle
 *   addresses, nested comments, groups ("undisclosed-recipients:;",
 *   "team: a@b, c@d;"), obsolete routes ("<@r1,@r2:user@dom>"), empty list
 *   elements (obs-addr-list: "a@b,,c@d"), CFWS between the words of an
 *   obs-local-part or obs-domain, domain literals ("[192.0.2.1]"), UTF-8 in
 *   atoms, quoted strings and comments (bytes >= 0x80 are taken as UTF-8
 *   without validating the encoding), folded values (CRLF or bare LF, then
 *   SP or HTAB), a bare "user" without domain, "<>" (reported as a null
 *   address), local parts with consecutive or trailing dots (seen in the
 *   wild), one trailing dot on a domain ("user@example.net.").
 * Rejected, with a reason: unbalanced quotes, comments, brackets or angle
 *   brackets, NUL bytes, control characters outside quoted strings and
 *   comments, a line break not followed by SP or HTAB (except at the very
 *   end), nested groups, words that form no address ("John Smith" followed by
 *   "@"-less text and no "<"), anything longer than ADDR_MAX_INPUT bytes or
 *   holding more than ADDR_MAX_ADDRESSES addresses.
 * Time and memory are linear in len.
 *
 * Thread-safety: every function is reentrant; an addr_list is owned by one
 * thread at a time.
 */
#ifndef MK_ADDR_H
#define MK_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

/* Inputs longer than this are rejected ("value too long"). */
#define ADDR_MAX_INPUT (16u * 1024 * 1024)
/* Lists with more addresses than this are rejected ("too many addresses");
 * the caller then treats the header as malformed and leaves it alone.  It
 * bounds the memory of one parse to about 2 MB. */
#define ADDR_MAX_ADDRESSES 20000u

/* A byte range of the parsed value: value[off] .. value[off + len - 1]. */
typedef struct addr_span {
    size_t off;
    size_t len;
} addr_span;

typedef struct addr_entry {
    /* The local part as written: a dot-atom or a quoted string including its
     * quotes; for an obs-local-part, from its first word to its last, which
     * may hold CFWS (use addr_copy_local() to get it without).  Empty (len 0)
     * only for the null address "<>". */
    addr_span local;
    /* The domain as written, without the "@", from its first byte to its last
     * (a domain literal includes its brackets; a trailing dot is included).
     * Meaningful only when has_domain. */
    addr_span domain;
    /* From the start of the local part to the end of the domain (or of the
     * local part when !has_domain): the bytes a full-address rewrite replaces. */
    addr_span addr_spec;
    /* The display name (phrase) before "<", first to last word; len 0 if none. */
    addr_span display;
    /* The obsolete route "@a,@b:" inside "<...>"; len 0 if none. */
    addr_span route;
    /* The name of the group holding this address; len 0 if not in a group. */
    addr_span group;
    bool has_domain;     /* false for a bare "user" and for "<>" */
    bool domain_literal; /* domain is "[...]" */
    bool angle;          /* written inside "<...>" */
    bool in_group;
    bool is_null; /* "<>" */
} addr_entry;

typedef struct addr_list {
    addr_entry *v; /* n entries, in the order written */
    size_t n;
    size_t cap;
    size_t groups; /* groups seen, including empty ones ("list:;") */
} addr_list;

void addr_list_init(addr_list *l);
/* Frees the entries; l may be reused after addr_list_init(). */
void addr_list_free(addr_list *l);

/*
 * Parses a header value (the part after "name:", folded lines joined by "\n"
 * or "\r\n" plus their leading whitespace) as an address-list; an empty or
 * all-whitespace value gives zero addresses.  The list is cleared first.
 * Returns 0, or -1 with *error_r set to a static reason and l->n == 0
 * (never a partial list).  Either way l keeps its memory: call
 * addr_list_free() when done.
 */
int addr_parse_list(const char *value, size_t len, addr_list *l, const char **error_r);

/*
 * Parses one envelope address as libmilter gives it in argv[0] of
 * xxfi_envfrom / xxfi_envrcpt: "<user@dom>", "<>", "<user>", "<@r:user@dom>",
 * or without brackets "user@dom".  ESMTP parameters are in argv[1..] and not
 * part of it.  Leading and trailing SP/HTAB are allowed; comments, display
 * names and groups are not.  Fills *e with spans into addr.
 * Returns 0, or -1 with *error_r set to a static reason.
 */
int addr_parse_envelope(const char *addr, size_t len, addr_entry *e, const char **error_r);

/*
 * For DKIM: the From header must hold exactly one mailbox, with a domain that
 * is not a domain literal, and no group.  Sets *domain to its span in value
 * (trailing dot included if written; the caller may strip it).
 * Returns 0, or -1 with *error_r set to a static reason.
 */
int addr_from_domain(const char *value, size_t len, addr_span *domain, const char **error_r);

/*
 * Append to out the local part / domain of e (parsed from value) with any
 * comments and folding whitespace of obsolete syntax removed; quoted strings
 * are kept as written.  addr_copy_domain appends nothing when !has_domain.
 */
void addr_copy_local(const char *value, const addr_entry *e, str_t *out);
void addr_copy_domain(const char *value, const addr_entry *e, str_t *out);

#endif
