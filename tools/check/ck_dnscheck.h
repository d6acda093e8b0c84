/*
 * ck_dnscheck.h - check 6 of milterkit-check(8): for each outbound domain
 * (site.domain and the domains of dkim.keys), the DNS that receivers
 * judge: a signing key for it, its SPF record and whether it covers the
 * addresses mail leaves from (the smart host's A/AAAA, else site.hostname's),
 * its DMARC record; and the forward-confirmed reverse DNS of
 * site.hostname's addresses.
 */
#ifndef MK_CK_DNSCHECK_H
#define MK_CK_DNSCHECK_H

#include "ck_conf.h"
#include "ck_report.h"
#include "ck_spf.h"
#include "dns/dns.h"

/* Items "dkim DOMAIN", "spf DOMAIN", "dmarc DOMAIN", "ptr HOSTNAME". */
void ck_dnscheck(ck_report *r, const ck_conf *c, const dns_resolver *rv,
                 const ck_spf_engine *spf);

#endif
