/*
 * ck_dnscheck.h - check 6 of milterkit-check(8): for each outbound domain
 * (site.domain and the domains of dkim.keys), the DNS that receivers
 * judge: a signing key for it, its SPF record and whether it covers the
 * addresses mail leaves from (the smart host's A/AAAA, else site.hostname's;
 * ck_spfcheck), the DMARC policy that applies to it (ck_dmarccheck); and
 * the forward-confirmed reverse DNS of site.hostname's addresses.
 */
#ifndef MK_CK_DNSCHECK_H
#define MK_CK_DNSCHECK_H

#include "ck_conf.h"
#include "ck_report.h"
#include "dns/dns.h"

/* The time every query of check 6 shares, in one run (dns_budget). */
#define CK_DNS_BUDGET_MS 60000u

/* Items "dkim DOMAIN", "spf DOMAIN", "dmarc DOMAIN", "ptr HOSTNAME"; the
 * lookups of the addresses, SPF and DMARC go through rv->lookup within
 * budget (NULL: per-query timeouts only), FCrDNS through rv's typed
 * lookups. */
void ck_dnscheck(ck_report *r, const ck_conf *c, const dns_resolver *rv,
                 const dns_budget *budget);

#endif
