/*
 * dmarc.h - DMARC (RFC 9989, which obsoletes RFC 7489): does the From
 * domain of a message line up with an SPF- or DKIM-authenticated domain,
 * and what policy does its owner ask for when it does not?
 *
 * Section numbers are RFC 9989's, whose text is followed as published in
 * its last draft (draft-ietf-dmarc-dmarcbis-41; the RFC keeps its section
 * numbers).  No Public Suffix List: the Organizational Domain is found by
 * the DNS Tree Walk (4.10).
 *
 *   Author Domain (5.3.1)  the domain of each mailbox of every From header
 *       field, parsed by lib/mail/addr, U-labels converted to A-labels
 *       (libidn2), lower case, no trailing dot.
 *   Tree Walk (4.10)       _dmarc.<name> TXT for the name, then its parent,
 *       and so on to the top label, at most 8 queries: a name of 8 or more
 *       labels is asked for itself, then cut to 7 labels (step 4).  Records
 *       not starting v=DMARC1 are discarded; several DMARC records at one
 *       name are all discarded (the walk goes on); a record with psd=y or
 *       psd=n ends the walk (steps 2, 6).
 *   Organizational Domain (4.10.2) from the records the walk found, longest
 *       name first: psd=n marks it; psd=y (not at the start) makes it the
 *       name one label below; otherwise the record with the fewest labels;
 *       no record: the name itself.
 *   Policy (4.10.1)  the record of the Author Domain (its p=); else the
 *       record of its Organizational Domain, else of its Public Suffix
 *       Domain (psd=y), with sp= for an Author Domain that exists and np=
 *       for one that does not (NXDOMAIN for an A query of it, RFC 8020;
 *       asked only when np= would change the answer), p= when they are
 *       absent.  A record whose p= is invalid or whose sp=/np= is invalid
 *       counts as "p=none" when its rua= holds a valid URI, else as no
 *       record (no DMARC).  A record with no p= at all is p=none (4.7).
 *       t=y lowers the policy to apply by one step (reject -> quarantine ->
 *       none, 4.7).  pct, rf, ri: ignored (Appendix C.5.2).
 *   Alignment (3.2.10, 4.4, 4.10.2)  a DKIM d= with a pass, or the SPF
 *       domain (MAIL FROM, HELO for <>) with an SPF pass, is aligned when it
 *       equals the Author Domain (strict, adkim=s / aspf=s of the applied
 *       record) or has the same Organizational Domain (relaxed, default).
 *       Names compare without regard to case.
 *   Result (5.3.5, 9.2)  pass: a record applies and an identifier aligns;
 *       fail: a record applies and none aligns; none: no record applies;
 *       temperror: a DNS lookup the verdict depends on failed or the time
 *       budget ran out (5.3.6: no pass or fail then; a pass that needed no
 *       failed lookup stands), including the lookups of SPF and DKIM
 *       themselves: an SPF temperror, or a DKIM temperror (dmarc_dkim's
 *       temperror), of an identifier that would align had it passed makes
 *       a fail temperror; one that could not align (another Organizational
 *       Domain) does not, so a sender cannot escape a policy by adding a
 *       signature whose key lookup it makes fail; permerror: see below.
 *
 * From, where RFC 9989 leaves room (4.2, 4.4, 5.3.1, 11.5: a message
 * without exactly one From domain is "outside the scope"; the RFC allows
 * checking each domain and applying the strictest failing policy).  The
 * choice here is the safe one: no From domain escapes evaluation.
 *   - several mailboxes, of one or several domains; several From header
 *     fields; mailboxes inside a group: every distinct domain is evaluated
 *     as an Author Domain (up to max_domains, default 16); the message
 *     fails if any domain fails, with the strictest policy among the
 *     failing ones; otherwise temperror if any is temperror, permerror if
 *     any is permerror, pass if any passes, else none.  More distinct
 *     domains than max_domains: the first max_domains are evaluated and a
 *     result that is not fail becomes permerror ("not every From domain
 *     evaluated"): an attacker gains nothing by adding domains;
 *   - no From header field, a From that lib/mail/addr cannot parse, a From
 *     with no mailbox (empty, or only an empty group), or whose mailboxes
 *     have no usable domain (no "@", a domain literal, "<>", a name IDNA
 *     or the DNS cannot take): permerror, with from_problem set and the
 *     reason in why.  Mailboxes without a usable domain next to ones with
 *     one are noted (from_problem) and the others evaluated.
 * The verdict says which case happened (multiple_from_fields,
 * multiple_domains, from_problem) so that the caller can act on it.
 *
 * DNS: every query (TXT at _dmarc names, A for existence) goes through
 * the resolver's lookup() within the caller's budget; a walk's answers are
 * remembered for the rest of one evaluation, so the walks of the Author
 * Domain and of the identifiers share their queries.  An identifier not
 * below the Author Domain's Organizational Domain cannot align and is not
 * walked.  At most max_dkim (default 16) passing DKIM domains are looked
 * at.
 *
 * Tested through a real DNS (tests/unit/dmarc-dns.py, one case per rule
 * above) and against Debian's libopendmarc 1.4.2 (RFC 7489, public suffix
 * list) as an oracle on the same cases: 36 agree, 29 differ, each
 * difference listed there with its reason (np, t, psd and the tree walk,
 * several records at a name, the p=none default, the From cases above,
 * and libopendmarc's own departures from RFC 7489).
 *
 * Thread-safety: reentrant; the resolver must be thread-safe.  Nothing is
 * logged here.
 */
#ifndef MK_DMARC_H
#define MK_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/dmarc_record.h"
#include "auth/spf.h"
#include "dns/dns.h"

typedef enum dmarc_result {
    DMARC_NONE,
    DMARC_PASS,
    DMARC_FAIL,
    DMARC_TEMPERROR,
    DMARC_PERMERROR,
} dmarc_result;

#define DMARC_DEFAULT_MAX_DOMAINS 16
#define DMARC_DEFAULT_MAX_DKIM 16

/* One DKIM signature's outcome, as the DKIM verifier gives it. */
typedef struct dmarc_dkim {
    const char *domain; /* the signature's d= */
    bool pass;          /* verified (dkim=pass) */
    bool temperror;     /* its check failed temporarily (dkim=temperror: key lookup) */
} dmarc_dkim;

/* What the milter knows at end of message. */
typedef struct dmarc_request {
    const char *const *from; /* the value of every From header field, in order */
    size_t nfrom;            /* 0: the message has no From */
    spf_result spf;          /* SPF result of the MAIL FROM identity (spf_verdict.mailfrom);
                              * SPF_TEMPERROR counts as a failed lookup (see Result) */
    const char *spf_domain;  /* its domain (spf_check.domain: HELO for <>); may be NULL */
    const dmarc_dkim *dkim;  /* the DKIM signatures checked */
    size_t ndkim;
    unsigned max_domains; /* 0: DMARC_DEFAULT_MAX_DOMAINS */
    unsigned max_dkim;    /* 0: DMARC_DEFAULT_MAX_DKIM */
} dmarc_request;

/* The verdict for one Author Domain. */
typedef struct dmarc_domain {
    dmarc_result result;
    char *author_domain;    /* A-label form, lower case (owned) */
    char *policy_domain;    /* where the applied record was found; NULL if none (owned) */
    char *org_domain;       /* the Author Domain's Organizational Domain; NULL if not
                             * determined (owned) */
    const char *policy_tag; /* "p", "sp", "np": which tag applies; NULL if no record */
    dmarc_policy requested; /* what that tag asks for (before t=) */
    dmarc_policy policy;    /* to apply: requested lowered by t=y; NONE unless fail */
    bool testing;           /* t=y */
    bool exists;            /* false only when the Author Domain was found NXDOMAIN */
    bool dkim_aligned, spf_aligned;
    char *dkim_domain;   /* the d= that aligned (owned), NULL if none */
    dmarc_record record; /* the applied record (zeroed if none) */
    const char *why;     /* static text for logs */
} dmarc_domain;

typedef struct dmarc_verdict {
    dmarc_result result; /* for the message, see the top of this file */
    dmarc_policy policy; /* to apply: the strictest among failing domains; NONE unless fail */
    size_t ndomains;
    dmarc_domain *domains;        /* one per distinct Author Domain, in From order (owned) */
    const dmarc_domain *decisive; /* the domain that decided result/policy, or NULL */
    bool multiple_from_fields;    /* more than one From header field */
    bool multiple_domains;        /* more than one distinct Author Domain */
    bool from_problem;            /* no From, unparseable, or a mailbox without domain */
    bool incomplete;              /* more domains than max_domains */
    unsigned queries;             /* DNS queries sent for this verdict */
    const char *why;              /* static text for logs */
} dmarc_verdict;

/*
 * Evaluates DMARC for the message described by req against the DNS behind
 * r (r->lookup), every query within budget (NULL: per-query timeouts
 * only).  Fills *out (free with dmarc_verdict_free) and returns
 * out->result.
 */
dmarc_result dmarc_evaluate(const dns_resolver *r, const dns_budget *budget,
                            const dmarc_request *req, dmarc_verdict *out);
void dmarc_verdict_free(dmarc_verdict *v);

/* "none", "pass", "fail", "temperror", "permerror" (RFC 8601 words). */
const char *dmarc_result_name(dmarc_result r);

#endif
