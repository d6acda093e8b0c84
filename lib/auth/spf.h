/*
 * spf.h - SPF (RFC 7208): is the client allowed to use the MAIL FROM and
 * HELO domains?  check_host() with every mechanism and modifier, macros,
 * the DNS limits, on lib/dns with a time budget.
 *
 * Why our own and not libspf2 (DESIGN.md: "libspf2 with its DNS routed
 * through lib/dns, unless it fails the RFC 7208 test suite"): measured,
 * it fails it.  tests/unit/spf-suite.py runs the suite (203 cases in 16
 * scenarios, tests/data/spf) through a real DNS (unbound on loopback)
 * against Debian 12's libspf2 1.2.10-7.2 with its DNS routed through
 * lib/dns (tests/unit/spf_libspf2.c, an SPF_dns_server_t whose lookup is
 * dns_lookup()), against this code, and against pyspf as the oracle:
 *
 *                      pass  fail   (of 203)
 *     libspf2           138    65   (137/66 when the DNS answer order fails ptr-limit)
 *     pyspf (oracle)    202     1   (a bug of its own the suite names)
 *     this code         203     0
 *
 * libspf2's failures that matter (the test keeps the full list, each with
 * its reason, and fails if it changes):
 *   - no void-lookup limit (void-over-limit) and no limit of 10 MX names
 *     (mx-limit), and lookups inside an include are not counted against the
 *     limit of 10 (include-over-limit): the DoS bounds of RFC 7208 4.6.4;
 *     more than 10 PTR names is a permerror instead of ignoring the rest,
 *     unless a match comes first (ptr-limit, depends on answer order);
 *   - every prefix length /0 is a permerror (a-cidr4-0, cidr6-0, mx-*-0 ...:
 *     18 cases), and ip4 prefixes with leading zeros are accepted;
 *   - an IPv4-mapped client (::ffff:a.b.c.d) is treated as IPv6 (3 cases);
 *     redirect= is acted on where it is written, not after the mechanisms;
 *   - syntax errors accepted as valid: a NUL, a bad or numeric top label
 *     or an empty domain in a domain-spec (a-null, a-numeric, a-bad-domain,
 *     *-empty-domain ...), '%' not followed by '{' (invalid-macro-char ...),
 *     c/r/t macros outside exp text, redirect= and exp= twice, control
 *     characters between terms, unknown-modifier macro syntax;
 *   - type SPF records preferred over TXT (libspf2 asks for type SPF first;
 *     the adapter answers "no data" for it so the suite measures TXT);
 *   - a failed record lookup or a record that does not compile leaves the
 *     result unset (SPF_RESULT_INVALID) in 1.2.10: fixed upstream in 2012
 *     (fc02a07), released only in 1.2.11, not in Debian 12;
 *   - the DNS layer's lookup() gets no request: a per-message budget
 *     would have to travel in thread-local storage; clients on 127.0.0.0/8
 *     always pass (a built-in "localhost" rule).
 * Security: Debian 12's 1.2.10-7.1/7.2 carries the fixes for
 * CVE-2021-20314 (spf_compile.c ds_avail), CVE-2021-33912 (sprintf in
 * SPF_record_expand_data) and CVE-2021-33913 (the reverse macro
 * transformer), the three commits of upstream 1.2.11; it lacks upstream's
 * 2023 fix of an integer underflow in the string-literal compiler
 * (d14abff).  This code's record and macro parsers are fuzzed
 * (tests/fuzz/fuzz_spf.c).
 *
 * Semantics (section numbers of RFC 7208):
 *   - Identities (2.3, 2.4): HELO is checked and recorded; MAIL FROM is the
 *     identity; an empty MAIL FROM (<>) takes postmaster@HELO, the same
 *     check as the HELO one.  A domain that is not a multi-label name, has a
 *     label over 63 bytes or an empty one, or is a literal gives "none"
 *     without a lookup (4.3).
 *   - Records (4.4, 4.5): TXT only; NXDOMAIN or no v=spf1 record: none;
 *     two or more: permerror; DNS failure: temperror.
 *   - Limits (4.6.4): at most 10 terms that cause DNS lookups (include, a,
 *     mx, ptr, exists, redirect) per evaluation, includes and redirects
 *     counted across; more is permerror.  At most 2 void lookups (NXDOMAIN
 *     or no answer to a term's own query: the address query of a, the MX
 *     query of mx, the PTR query of ptr, the A query of exists, the TXT
 *     query of an include or redirect target); the third is permerror.  An
 *     mx with more than 10 MX names: permerror; ptr and %{p} use the first
 *     10 PTR names only.  exp= is checked for syntax and never fetched
 *     (nothing here writes explanations; Authentication-Results needs none).
 *   - Mechanisms (5): a, mx and exists failing with a DNS error: temperror;
 *     ptr: a failed PTR lookup does not match, a name whose address lookup
 *     fails is skipped (5.5).  An IPv4-mapped client (::ffff:a.b.c.d) is
 *     IPv4: ip6 never matches it, a and mx ask for A (5, 5.6).
 *   - Names from macros (7.3): a trailing dot is dropped, a name over 253
 *     bytes loses labels on the left; a name that is still not a DNS name
 *     (an empty label, one over 63 bytes) matches nothing, like a name that
 *     does not exist (the suite allows fail or permerror); any byte is
 *     asked for literally (dnsname_query_form).
 *   - Time: every query goes through the caller's dns_budget; once it is
 *     spent the result is temperror, whatever the mechanisms would have
 *     said with the answers missing.
 *
 * Thread-safety: reentrant; the resolver must be thread-safe (dns.h's is).
 * Nothing is logged here: the caller logs the verdict, once.
 */
#ifndef MK_SPF_H
#define MK_SPF_H

#include <stdbool.h>

#include "core/cidr.h"
#include "core/str.h"
#include "dns/dns.h"

typedef enum spf_result {
    SPF_NONE,      /* no record, or no usable domain to check */
    SPF_NEUTRAL,   /* "?" matched, or nothing matched and no redirect */
    SPF_PASS,      /* "+" matched */
    SPF_FAIL,      /* "-" matched */
    SPF_SOFTFAIL,  /* "~" matched */
    SPF_TEMPERROR, /* DNS failure, or the time budget spent */
    SPF_PERMERROR, /* bad record, limits exceeded, an include without record */
} spf_result;

#define SPF_DEFAULT_MAX_LOOKUPS 10 /* RFC 7208 4.6.4 */
#define SPF_DEFAULT_MAX_VOIDS 2    /* RFC 7208 4.6.4, RECOMMENDED default */

typedef struct spf_limits {
    unsigned max_lookups; /* 0: SPF_DEFAULT_MAX_LOOKUPS */
    unsigned max_voids;   /* 0: SPF_DEFAULT_MAX_VOIDS */
} spf_limits;

/* What the milter knows at MAIL FROM. */
typedef struct spf_request {
    cidr_addr client;      /* the client address (cidr.h: IPv4 as ::ffff:a.b.c.d) */
    const char *helo;      /* HELO/EHLO argument as sent; NULL or "" if none */
    const char *mail_from; /* MAIL FROM address as libmilter gives it: "<user@dom>",
                            * "<>", with or without the brackets; NULL means "<>" */
    spf_limits limits;
} spf_request;

/* The outcome of one check_host() of one identity. */
typedef struct spf_check {
    spf_result result;
    char *domain;            /* the domain checked, as sent (no trailing dot); NULL when the
                              * identity had none (owned) */
    char *sender;            /* local-part@domain used for %{s} ("postmaster@HELO" for <>);
                              * NULL with domain (owned) */
    char *mechanism;         /* what decided: the matching term as written ("-all",
                              * "ip4:192.0.2.0/24"), "default" (nothing matched) or
                              * NULL (none, errors) (owned) */
    const char *why;         /* static text for logs: "no SPF record", "too many DNS
                              * lookups", "DNS lookup failed", "time budget spent", ... */
    unsigned lookups, voids; /* DNS-term and void-lookup counts spent */
} spf_check;

typedef struct spf_verdict {
    spf_check helo;     /* the HELO identity (RFC 7208 2.3) */
    spf_check mailfrom; /* the MAIL FROM identity (2.4); for "<>" the HELO check */
    bool null_sender;   /* MAIL FROM was "<>" (mailfrom is then the HELO check) */
} spf_verdict;

/*
 * Checks the HELO and MAIL FROM identities of req against the DNS behind r
 * (r->lookup is used), every query within budget (NULL: per-query timeouts
 * only).  Fills *out (free with spf_verdict_free) and returns
 * out->mailfrom.result, the one that counts for policy and for DMARC
 * (whose SPF-authenticated identifier is out->mailfrom.domain when the
 * result is SPF_PASS).
 */
spf_result spf_evaluate(const dns_resolver *r, const dns_budget *budget, const spf_request *req,
                        spf_verdict *out);
void spf_verdict_free(spf_verdict *v);

/*
 * check_host(ip, domain, sender) of RFC 7208 4 for one identity: domain
 * is the domain to check, sender the full "local@domain" (the local part
 * may be empty: "postmaster" is used), helo the HELO name for %{h} (may be
 * NULL).  Fills *out (free with spf_check_free) and returns out->result.
 */
spf_result spf_check_host(const dns_resolver *r, const dns_budget *budget, const cidr_addr *ip,
                          const char *domain, const char *sender, const char *helo,
                          const spf_limits *limits, spf_check *out);
void spf_check_free(spf_check *c);

/* "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror":
 * the RFC 8601 result words. */
const char *spf_result_name(spf_result r);

#endif
