/*
 * ck_keys.h - check 5 of milterkit-check(8): every signing key of
 * dkim.keys is a key we can load, site.user can read it (milterkit-dkim
 * reads its keys again as that user on every reload), and the record
 * published at SELECTOR._domainkey.DOMAIN is its public half
 * (lib/dkim/dkimrec, the judge milterkit-keygen --check uses).
 */
#ifndef MK_CK_KEYS_H
#define MK_CK_KEYS_H

#include "ck_conf.h"
#include "ck_report.h"
#include "dns/dns.h"

/* One item "key DOMAIN/SELECTOR" per key. */
void ck_keys_check(ck_report *r, const ck_conf *c, const dns_resolver *rv);

#endif
