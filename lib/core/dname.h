/*
 * dname.h - what a valid domain name is, written once for every part of
 * milterkit: config checks (site, masq, relay, dkim), masquerading and
 * milterkit-keygen.
 *
 * A name is dot-separated labels (RFC 1035 section 2.3.1 as relaxed by
 * RFC 1123 section 2.1):
 *   - each label is 1 to 63 letters, digits and hyphens, not starting or
 *     ending with a hyphen (a leading digit is fine: 3com.example);
 *   - at most 253 characters in all, not counting one trailing dot;
 *   - the last label is not all digits (RFC 3696 section 2), so that an IP
 *     address is not taken for a name, unless DNAME_NUMERIC;
 *   - no trailing dot, unless DNAME_TRAILING_DOT.
 * Flags widen or narrow these rules for the few places that need it; the
 * named rule sets below say which place uses which.  A DKIM selector
 * (RFC 6376 section 3.1: selector = sub-domain *("." sub-domain), with
 * RFC 5321's sub-domain) is such a name without '_' and without a
 * trailing dot, whose labels may all be digits ("202611"): DNAME_SELECTOR.
 *
 * Pure functions; thread-safe.
 */
#ifndef MK_DNAME_H
#define MK_DNAME_H

#include <stdbool.h>

enum {
    DNAME_UNDERSCORE = 1 << 0,   /* '_' allowed in labels, as on many LANs' host names */
    DNAME_TRAILING_DOT = 1 << 1, /* one trailing dot allowed (an absolute name) */
    DNAME_TWO_LABELS = 1 << 2,   /* at least two labels: example.net, not net */
    DNAME_NUMERIC = 1 << 3,      /* the last label may be all digits ("202611") */
};

/* A name we write into mail or DNS: site.domain, site.hostname, masq.as. */
#define DNAME_HOST 0
/* A name only compared with the domains of addresses, which ignore case
 * and one trailing dot: masq.domains, masq.exceptions, relay.local_domains. */
#define DNAME_MATCH (DNAME_UNDERSCORE | DNAME_TRAILING_DOT)
/* A DKIM signing domain (d=): dkim.keys[].domain, milterkit-keygen -d. */
#define DNAME_SIGNING DNAME_TWO_LABELS
/* A DKIM selector (s=): dkim.keys[].selector, milterkit-keygen -s. */
#define DNAME_SELECTOR DNAME_NUMERIC

/*
 * Checks name against the rules above as changed by flags (DNAME_*).
 * Returns 0, or -1 with *error_r set to a static reason that does not
 * repeat the name ("empty label (two dots in a row, or a leading dot)").
 * name may be NULL (an error).
 */
int dname_check(const char *name, unsigned flags, const char **error_r);

/* dname_check() as a yes/no. */
bool dname_valid(const char *name, unsigned flags);

/* dname_check() with each named rule set, in the shape of a config item
 * check (cfg_field.each).  Return 0, or -1 with *error_r set. */
int dname_check_host(const char *name, const char **error_r);
int dname_check_match(const char *name, const char **error_r);
int dname_check_signing(const char *name, const char **error_r);
int dname_check_selector(const char *name, const char **error_r);

/*
 * A DKIM key's name: selector (DNAME_SELECTOR) and domain (DNAME_SIGNING)
 * that together make a DNS name SELECTOR._domainkey.DOMAIN of at most 253
 * characters.  Returns 0, or -1 with *error_r set to a static reason that
 * names which part is wrong.
 */
int dname_check_dkim_key(const char *selector, const char *domain, const char **error_r);

#endif
