/*
 * fcrdns.h - forward-confirmed reverse DNS of a client address, with
 * sendmail's four outcomes (${client_resolve}):
 *   OK      a PTR name resolves back to the address (name is that name)
 *   FAIL    no PTR record (NXDOMAIN/NODATA, or an unusable answer)
 *   FORGED  PTR names exist but none resolves back to the address
 *   TEMP    the PTR lookup failed temporarily (SERVFAIL, timeout), or a
 *           forward lookup did and no other name confirmed
 * Every PTR name that is a host name (labels of letters, digits, '-', '_';
 * at most DNS_MAX_PTR_NAMES) is tried in answer order; the first that
 * confirms wins.  A name is confirmed only by an address of the
 * client's own family (A for IPv4, AAAA for IPv6), as sendmail and Postfix
 * do: an IPv6 client whose name has only an A record is FORGED.
 *
 * Time: every query of one check shares one dns_budget (dns.h), so that
 * the PTR lookup and the forward lookups of up to DNS_MAX_PTR_NAMES names
 * end together within it, not each within the per-query timeout (16 names
 * at 5 s each once took 68.9 s, long after the MTA had given up).  When
 * the budget runs out the result is TEMP with out_of_time set.  A TEMP
 * result says which step failed (failed_step, failed_name), so that a
 * reply can say it: the PTR lookup, or the address lookup of a PTR name.
 *
 * FCRDNS_CROSS_FAMILY relaxes this: a name with no address at all in the
 * client's family but some in the other family counts as confirmed
 * (cross_family is then set).  This is weaker: whoever controls the reverse
 * zone of their addresses can then claim any name that has no address in
 * their family.  Off by default.
 *
 * Thread-safe as the resolver is (dns.h's is).
 */
#ifndef MK_FCRDNS_H
#define MK_FCRDNS_H

#include <stdbool.h>

#include "core/cidr.h"
#include "dns/dns.h"

typedef enum fcrdns_status { FCRDNS_OK, FCRDNS_FAIL, FCRDNS_FORGED, FCRDNS_TEMP } fcrdns_status;

/* Where a TEMP result came from. */
typedef enum fcrdns_step {
    FCRDNS_STEP_NONE,    /* not TEMP */
    FCRDNS_STEP_PTR,     /* the PTR lookup of the address */
    FCRDNS_STEP_FORWARD, /* the A/AAAA lookup of a PTR name (failed_name) */
} fcrdns_step;

#define FCRDNS_CROSS_FAMILY 0x1u

typedef struct fcrdns_result {
    fcrdns_status status;
    const char *name;               /* the confirmed name (OK only), one of names[]; else NULL */
    bool cross_family;              /* OK came from the other family (FCRDNS_CROSS_FAMILY) */
    size_t count;                   /* PTR names tried */
    char *names[DNS_MAX_PTR_NAMES]; /* owned, lower case, for logging */
    const char *why;                /* static text: "no PTR record", "PTR lookup: timeout", ... */
    fcrdns_step failed_step;        /* TEMP: which lookup failed */
    const char *failed_name;        /* FCRDNS_STEP_FORWARD: the first name whose lookup
                                     * failed or was not made in time, one of names[] */
    bool out_of_time;               /* TEMP because the budget was spent */
} fcrdns_result;

/*
 * Fills *out (free with fcrdns_result_free) and returns out->status.  Uses
 * r->lookup with budget (NULL: only the resolver's per-query timeout).
 */
fcrdns_status fcrdns_check(const dns_resolver *r, const cidr_addr *addr, unsigned flags,
                           const dns_budget *budget, fcrdns_result *out);
void fcrdns_result_free(fcrdns_result *out);
/* "OK", "FAIL", "FORGED", "TEMP" (sendmail's ${client_resolve} words). */
const char *fcrdns_status_name(fcrdns_status s);

#endif
