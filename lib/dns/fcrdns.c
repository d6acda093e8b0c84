/* fcrdns.c - forward-confirmed reverse DNS; see fcrdns.h. */
#include "config.h"

#include "dns/fcrdns.h"

#include "core/mem.h"

#include <string.h>
#include <sys/socket.h>

static bool has_addr(const dns_addrs *a, const cidr_addr *want)
{
    for (size_t i = 0; i < a->count; i++)
        if (memcmp(a->addr[i].b, want->b, sizeof want->b) == 0)
            return true;
    return false;
}

/* What one PTR name says about the client. */
typedef enum verdict { V_CONFIRMED, V_CROSS, V_NO, V_TEMP } verdict;

static verdict check_name(const dns_resolver *r, const char *name, const cidr_addr *addr,
                          unsigned flags)
{
    bool v4 = cidr_addr_is_v4(addr);
    dns_addrs a;
    dns_status st;

    memset(&a, 0, sizeof a);
    st = r->addrs(r->ctx, name, v4 ? AF_INET : AF_INET6, &a);
    if (st == DNS_FOUND)
        return has_addr(&a, addr) ? V_CONFIRMED : V_NO;
    if (st == DNS_TEMPFAIL)
        return V_TEMP;
    if (st == DNS_PERMFAIL || !(flags & FCRDNS_CROSS_FAMILY))
        return V_NO;
    memset(&a, 0, sizeof a);
    st = r->addrs(r->ctx, name, v4 ? AF_INET6 : AF_INET, &a);
    if (st == DNS_FOUND && a.count > 0)
        return V_CROSS;
    return st == DNS_TEMPFAIL ? V_TEMP : V_NO;
}

static fcrdns_status forward_confirm(const dns_resolver *r, const cidr_addr *addr, unsigned flags,
                                     fcrdns_result *out)
{
    const char *cross = NULL;
    bool temp = false;

    for (size_t i = 0; i < out->count; i++) {
        verdict v = check_name(r, out->names[i], addr, flags);

        if (v == V_CONFIRMED) {
            out->name = out->names[i];
            out->why = "";
            return out->status = FCRDNS_OK;
        }
        if (v == V_CROSS && cross == NULL)
            cross = out->names[i];
        temp |= v == V_TEMP;
    }
    if (cross != NULL) {
        out->name = cross;
        out->cross_family = true;
        out->why = "confirmed in the other address family";
        return out->status = FCRDNS_OK;
    }
    if (temp) {
        out->why = "forward lookup failed temporarily";
        return out->status = FCRDNS_TEMP;
    }
    out->why = "no PTR name resolves back to the address";
    return out->status = FCRDNS_FORGED;
}

fcrdns_status fcrdns_check(const dns_resolver *r, const cidr_addr *addr, unsigned flags,
                           fcrdns_result *out)
{
    dns_names n;
    dns_status st;

    memset(out, 0, sizeof *out);
    memset(&n, 0, sizeof n);
    st = r->ptr(r->ctx, addr, &n);
    if (st == DNS_FOUND) {
        for (size_t i = 0; i < n.count && i < DNS_MAX_PTR_NAMES; i++) {
            out->names[i] = n.name[i];
            n.name[i] = NULL;
        }
        out->count = n.count < DNS_MAX_PTR_NAMES ? n.count : DNS_MAX_PTR_NAMES;
    }
    dns_names_free(&n);
    if (st == DNS_TEMPFAIL) {
        out->why = "PTR lookup failed temporarily";
        return out->status = FCRDNS_TEMP;
    }
    if (st != DNS_FOUND || out->count == 0) {
        out->why = st == DNS_PERMFAIL ? "PTR lookup failed" : "no PTR record";
        return out->status = FCRDNS_FAIL;
    }
    return forward_confirm(r, addr, flags, out);
}

void fcrdns_result_free(fcrdns_result *out)
{
    for (size_t i = 0; i < DNS_MAX_PTR_NAMES; i++)
        mem_free(&out->names[i]);
    out->count = 0;
    out->name = NULL;
}

const char *fcrdns_status_name(fcrdns_status s)
{
    static const char *const names[] = {"OK", "FAIL", "FORGED", "TEMP"};

    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}
