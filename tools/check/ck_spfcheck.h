/*
 * ck_spfcheck.h - the "spf DOMAIN" item of check 6 (milterkit-check(8)):
 * would receivers see spf=pass for mail from DOMAIN relayed by the smart
 * host?  Judged with milterkit's own SPF engine (lib/auth/spf: RFC 7208
 * check_host with every mechanism, macros and the DNS limits): for each
 * address mail leaves from, check_host(address, DOMAIN, postmaster@DOMAIN)
 * with the relay's name as the HELO name (what %{h} expands to), every
 * query within the run's DNS budget.
 *
 * The item shows the v=spf1 record(s) published at DOMAIN, then one line
 * per address: the result word and the term that decided it (the
 * top-level term as written, "no term matched" for the default), or the
 * reason of an error.  It is ok when every address passes, else a warning
 * with the fix: publish a record, add the ip4:/ip6: terms of the relay
 * (or the ISP's include:), correct a record receivers reject (permerror),
 * or, for a DNS failure (temperror), look at site.dns and run again.
 */
#ifndef MK_CK_SPFCHECK_H
#define MK_CK_SPFCHECK_H

#include <stddef.h>

#include "ck_report.h"
#include "core/cidr.h"
#include "dns/dns.h"

/* One item for domain, judged for the n addresses a of via (the smart
 * host, or site.hostname without one); queries through rv within budget
 * (NULL: per-query timeouts only). */
void ck_spfcheck(ck_report *r, const dns_resolver *rv, const dns_budget *budget, const char *domain,
                 const cidr_addr *a, size_t n, const char *via);

#endif
