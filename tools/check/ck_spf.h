/*
 * ck_spf.h - does the SPF record of a domain cover an address?  For
 * milterkit-check: would receivers see spf=pass for mail from the domain
 * relayed by the ISP's smart host?
 *
 * Behind ck_spf_engine so that the evaluator can change: today
 * ck_spf_simple(), a small best-effort evaluator written for this check;
 * the full RFC 7208 engine that lib/auth/spf is to provide (libspf2 on
 * lib/dns) can replace it by filling the same struct.
 *
 * ck_spf_simple() understands v=spf1 with ip4, ip6, a, include, all,
 * redirect= and the qualifiers, within RFC 7208's limit of 10 DNS-querying
 * terms and a nesting depth of 10.  It does not evaluate mx, exists and
 * ptr (lib/dns has no MX lookup, and the others need macro expansion);
 * when one of them comes before the term that decides, the result is
 * CK_SPF_UNKNOWN, with the term named.  Macros (%{...}) are not expanded
 * either (CK_SPF_UNKNOWN).  The record is untrusted input: every term is
 * bounded, nothing is read past its end (fuzzed in
 * tests/fuzz/fuzz_check_dnsrec.c).  Reentrant as the resolver is.
 */
#ifndef MK_CK_SPF_H
#define MK_CK_SPF_H

#include "core/cidr.h"
#include "core/str.h"
#include "dns/dns.h"

typedef enum ck_spf_result {
    CK_SPF_PASS,
    CK_SPF_FAIL,
    CK_SPF_SOFTFAIL,
    CK_SPF_NEUTRAL,
    CK_SPF_NONE,      /* no SPF record */
    CK_SPF_TEMPERROR, /* a DNS lookup failed temporarily */
    CK_SPF_PERMERROR, /* a broken record, two records, too many lookups */
    CK_SPF_UNKNOWN,   /* this evaluator cannot tell (mx, exists, ptr, macros) */
} ck_spf_result;

typedef struct ck_spf_engine {
    const char *name;
    void *ctx;
    /* The result for mail from domain sent by ip; why gets the term that
     * decided or the error, in words. */
    ck_spf_result (*check)(void *ctx, const char *domain, const cidr_addr *ip, str_t *why);
} ck_spf_engine;

/* The simple evaluator on r (which must outlive the engine). */
ck_spf_engine ck_spf_simple(const dns_resolver *r);

/* "pass", "fail", "softfail", "neutral", "none", "temperror", "permerror",
 * "unknown". */
const char *ck_spf_result_name(ck_spf_result res);

/*
 * The SPF record of domain (the one TXT record starting with "v=spf1"),
 * appended to record.  Returns CK_SPF_PASS when there is exactly one,
 * CK_SPF_NONE when there is none, CK_SPF_PERMERROR when there are several
 * (why says so), CK_SPF_TEMPERROR when the lookup failed.
 */
ck_spf_result ck_spf_record(const dns_resolver *r, const char *domain, str_t *record, str_t *why);

#endif
