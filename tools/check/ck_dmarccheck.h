/*
 * ck_dmarccheck.h - the "dmarc DOMAIN" item of check 6 (milterkit-check(8)):
 * which DMARC policy receivers apply to mail from DOMAIN that fails DMARC,
 * found by milterkit's own DMARC engine (lib/auth/dmarc, RFC 9989): the DNS
 * tree walk from _dmarc.DOMAIN up, the record of the domain itself, else
 * of its organizational domain (sp=, or np= for a domain that does not
 * exist), else of a public suffix domain (psd=y); a record whose p=, sp=
 * or np= is invalid counts as p=none when its rua= is valid, else as no
 * record; t=y lowers the policy one step.  Every query within the run's
 * DNS budget.
 *
 * ok: a record applies; the item says where it was found (the domain's
 * own name, its organizational domain, a public suffix domain), its tags
 * (p, sp, np, t, psd) and the policy that applies.  A warning: no record
 * applies (none anywhere, several at one name, an unusable one: the
 * finding says which), a record with invalid tags (treated as p=none), or
 * a DNS failure.
 */
#ifndef MK_CK_DMARCCHECK_H
#define MK_CK_DMARCCHECK_H

#include "ck_report.h"
#include "dns/dns.h"

/* One item for domain; queries through rv (its lookup) within budget (NULL:
 * per-query timeouts only). */
void ck_dmarccheck(ck_report *r, const dns_resolver *rv, const dns_budget *budget,
                   const char *domain);

#endif
