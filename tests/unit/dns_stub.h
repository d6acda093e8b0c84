/*
 * dns_stub.h - a table-driven stand-in for lib/dns's dns_lookup(), for the
 * unit tests of lib/auth that exercise logic the real DNS cannot steer
 * precisely (which names a walk asks for and in what order, a time budget
 * running out in the middle of a chain).  The same code runs against a
 * real unbound in tests/unit/spf-suite.py and tests/unit/dmarc-dns.py.
 *
 * Records: {name, type, rdata-text}.  TXT rdata is the record's text, A
 * and AAAA an address, MX "PREF NAME", PTR a name.  A name with no record
 * of the type asked is NODATA when the stub has any record under that name
 * (or the name is listed in exists[]), else NXDOMAIN.  Names in tempfail[]
 * answer DNS_TEMPFAIL ("server failure"), names in spent[] answer
 * DNS_TEMPFAIL with DNS_WHY_BUDGET, as a spent budget would.  Every query
 * is recorded in asked[] ("TYPE name").
 */
#ifndef MK_DNS_STUB_H
#define MK_DNS_STUB_H

#include <stddef.h>

#include "dns/dns.h"

typedef struct stub_rr {
    const char *name;
    dns_type type;
    const char *data;
} stub_rr;

typedef struct dns_stub {
    const stub_rr *rr;
    size_t nrr;
    const char *const *tempfail; /* NULL-terminated, may be NULL */
    const char *const *spent;    /* NULL-terminated, may be NULL */
    char asked[256][320];
    size_t nasked;
} dns_stub;

/* The resolver (lookup only) answering from stub. */
dns_resolver dns_stub_resolver(dns_stub *stub);
/* Whether "TYPE name" was asked. */
int dns_stub_was_asked(const dns_stub *stub, const char *what);

#endif
