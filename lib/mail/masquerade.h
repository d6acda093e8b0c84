/*
 * masquerade.h - sendmail's address masquerading (cf README "MASQUERADING
 * AND RELAYING", proto.m4 ruleset MasqHdr) as a pure, idempotent rewrite of
 * one envelope address or of a whole header value.
 *
 * A header rewrite changes ONLY the domain bytes of each masqueraded address
 * (or, for a genericstable hit, the addr-spec bytes; or, for always_add_domain,
 * inserts "@domain" after a bare local part) and leaves every other byte as
 * it was: comments, spacing, folding, display names, encoded words.
 *
 * The semantics, decided address by address, in sendmail's order:
 *   0. "<>" and empty groups ("list:;") are left alone.  An obsolete route
 *      ("<@a:u@d>") is kept as written; the address after it is treated like
 *      any other (sendmail drops the route).  A bare "user" is left alone
 *      unless always_add_domain; with it, it is treated as sendmail treats an
 *      unqualified address (user@*LOCAL*).
 *   1. genericstable (generics != NULL), for addresses whose domain is in
 *      generics_domains (class G; with generics_entire_domain also their
 *      subdomains) and for unqualified ones (looked up as user@hostname).
 *      Keys, lower-cased, tried in order: "user+detail@domain",
 *      "user+*@domain" (%1 = detail), "user@domain", "@domain" (%1 = the
 *      local part; qualified addresses only), "user+detail", "user+*"
 *      (%1 = detail), "user".  A value
 *      with a domain replaces the addr-spec and ends processing; a value
 *      without one replaces the local part and continues below as an
 *      unqualified address.  The domain sets are NOT class w: list the local
 *      host names in generics_domains too if they should be looked up.
 *   2. exceptions (MASQUERADE_EXCEPTION, class N): a domain equal to an
 *      exception or below it is left alone.  NOTE (as in sendmail): this is
 *      checked after genericstable, so a genericstable entry still applies.
 *   3. Only when `as` is set: an exposed user (EXPOSED_USER, class E,
 *      case-insensitive) keeps a domain in class M (or below one, with
 *      entire_domain) or in class w (unless limited); unqualified, it gets
 *      @hostname.  Others: a domain in class M (or below one with
 *      entire_domain), in class w (unless limited), or an unqualified address
 *      gets `as`.  Without `as`, an unqualified address gets @hostname.
 * Domain comparisons ignore ASCII case and one trailing dot.
 *
 * Idempotence: masquerade(masquerade(x)) == masquerade(x) for every rule set
 * without generics, and with generics when every value of the map is a
 * fixed point (a value's own keys find nothing or the same value), as with
 * any sane genericstable.
 *
 * Thread-safety: a masquerade_rules is read-only after set-up and may be
 * shared by threads; the generics callback must then be thread-safe.
 */
#ifndef MK_MASQUERADE_H
#define MK_MASQUERADE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

/* A caller-owned list of names (a cfg_strlist's items/count fit here). */
typedef struct masquerade_names {
    char *const *items;
    size_t count;
} masquerade_names;

/* Four-way result of a genericstable lookup. */
typedef enum masquerade_lookup {
    MASQUERADE_FOUND,
    MASQUERADE_NOTFOUND,
    MASQUERADE_TEMPFAIL,
    MASQUERADE_PERMFAIL,
} masquerade_lookup;

/*
 * Looks up key (NUL-terminated, lower-cased) in the generics map.  On
 * MASQUERADE_FOUND appends the value to *value (an address "user@domain"
 * or a bare "user"; "%1" in it is replaced as described above).  On
 * TEMPFAIL/PERMFAIL may set *error_r to a static reason.
 */
typedef masquerade_lookup masquerade_generics_fn(void *ctx, const char *key, str_t *value,
                                                 const char **error_r);

typedef struct masquerade_rules {
    const char *as;                   /* MASQUERADE_AS; NULL or "" = none */
    masquerade_names domains;         /* MASQUERADE_DOMAIN(_FILE): class M */
    masquerade_names local_hosts;     /* class w: this host's names */
    const char *hostname;             /* $j; NULL = local_hosts.items[0] */
    bool entire_domain;               /* FEATURE(masquerade_entire_domain) */
    bool limited;                     /* FEATURE(limited_masquerade): class w not masqueraded */
    bool always_add_domain;           /* FEATURE(always_add_domain) */
    masquerade_names exposed_users;   /* EXPOSED_USER: class E */
    masquerade_names exceptions;      /* MASQUERADE_EXCEPTION: class N */
    masquerade_generics_fn *generics; /* FEATURE(genericstable); NULL = none */
    void *generics_ctx;
    masquerade_names generics_domains; /* GENERICS_DOMAIN(_FILE): class G */
    bool generics_entire_domain;       /* FEATURE(generics_entire_domain) */
} masquerade_rules;

/* Results of masquerade_address() and masquerade_header(). */
enum {
    MASQUERADE_OK = 0,
    MASQUERADE_ERR_MALFORMED = -1, /* input not parsable: leave it alone, log */
    MASQUERADE_ERR_TEMPFAIL = -2,  /* generics map temporary failure: tempfail */
    MASQUERADE_ERR_PERMFAIL = -3,  /* generics map failure or bad map value */
};

/*
 * Checks a rule set once at start-up (as and names are syntactically domains
 * or users, a hostname exists when always_add_domain needs one).
 * Returns 0, or -1 with *error_r set to a static reason.
 */
int masquerade_rules_check(const masquerade_rules *r, const char **error_r);

/*
 * Rewrites one envelope address as libmilter gives it ("<user@dom>",
 * "user@dom", "<>"); "<>" comes back unchanged.  Sets
 * *out to the result (cleared first) and *changed_r (may be NULL) to whether
 * it differs from the input.  On error *out holds the input unchanged.
 * Returns MASQUERADE_OK or a MASQUERADE_ERR_* with *error_r set.
 */
int masquerade_address(const masquerade_rules *r, const char *addr, size_t len, str_t *out,
                       bool *changed_r, const char **error_r);

/*
 * Rewrites a header value (an address-list, folded lines joined by "\n" or
 * "\r\n" + WSP) into *out (cleared first), changing only the targeted bytes.
 * On any error *out holds the value unchanged (never a partial rewrite).
 * Returns MASQUERADE_OK or a MASQUERADE_ERR_* with *error_r set.
 */
int masquerade_header(const masquerade_rules *r, const char *value, size_t len, str_t *out,
                      bool *changed_r, const char **error_r);

/* Which of sendmail's default header sets a header name is in. */
typedef enum masquerade_hdr_kind {
    MASQUERADE_HDR_OTHER,     /* not an address header sendmail masquerades */
    MASQUERADE_HDR_SENDER,    /* always masqueraded */
    MASQUERADE_HDR_RECIPIENT, /* masqueraded with FEATURE(allmasquerade) */
} masquerade_hdr_kind;

/*
 * sendmail's defaults, case-insensitive:
 *   sender:    From, Sender, Reply-To, Resent-From, Resent-Sender,
 *              Resent-Reply-To, Errors-To, Disposition-Notification-To
 *   recipient: To, Cc, Bcc, Resent-To, Resent-Cc, Resent-Bcc, Apparently-To
 * name is NUL-terminated.
 */
masquerade_hdr_kind masquerade_header_kind(const char *name);
/* The same tables, NULL-terminated, for a config default. */
extern const char *const masquerade_sender_headers[];
extern const char *const masquerade_recipient_headers[];

#endif
