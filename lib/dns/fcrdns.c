/* fcrdns.c - forward-confirmed reverse DNS; see fcrdns.h. */
#include "config.h"

#include "dns/fcrdns.h"

#include "core/mem.h"
#include "core/str.h"

#include <ctype.h>
#include <string.h>
#include <sys/socket.h>

static bool has_addr(const dns_answer *a, const cidr_addr *want)
{
    for (size_t i = 0; i < a->count; i++)
        if (memcmp(a->rr[i].addr.b, want->b, sizeof want->b) == 0)
            return true;
    return false;
}

static bool out_of_time(dns_status st, const dns_answer *a)
{
    return st == DNS_TEMPFAIL && a->info.why != NULL && strcmp(a->info.why, DNS_WHY_BUDGET) == 0;
}

/* What one PTR name says about the client. */
typedef enum verdict { V_CONFIRMED, V_CROSS, V_NO, V_TEMP, V_TIME } verdict;

static verdict one_family(const dns_resolver *r, const char *name, dns_type type,
                          const cidr_addr *addr, const dns_budget *b, bool want_match)
{
    dns_answer a;
    dns_status st;
    verdict v;

    memset(&a, 0, sizeof a);
    st = r->lookup(r->ctx, name, type, b, &a);
    if (st == DNS_FOUND)
        v = !want_match || has_addr(&a, addr) ? V_CONFIRMED : V_NO;
    else if (out_of_time(st, &a))
        v = V_TIME;
    else
        v = st == DNS_TEMPFAIL ? V_TEMP : V_NO;
    dns_answer_free(&a);
    return v;
}

static verdict check_name(const dns_resolver *r, const char *name, const cidr_addr *addr,
                          unsigned flags, const dns_budget *b)
{
    bool v4 = cidr_addr_is_v4(addr);
    dns_answer a;
    dns_status st;
    verdict v;

    memset(&a, 0, sizeof a);
    st = r->lookup(r->ctx, name, v4 ? DNS_T_A : DNS_T_AAAA, b, &a);
    if (st == DNS_FOUND) {
        v = has_addr(&a, addr) ? V_CONFIRMED : V_NO;
        dns_answer_free(&a);
        return v;
    }
    v = out_of_time(st, &a) ? V_TIME : st == DNS_TEMPFAIL ? V_TEMP : V_NO;
    dns_answer_free(&a);
    if (v != V_NO || st == DNS_PERMFAIL || !(flags & FCRDNS_CROSS_FAMILY))
        return v;
    v = one_family(r, name, v4 ? DNS_T_AAAA : DNS_T_A, addr, b, false);
    return v == V_CONFIRMED ? V_CROSS : v;
}

static fcrdns_status forward_confirm(const dns_resolver *r, const cidr_addr *addr, unsigned flags,
                                     const dns_budget *b, fcrdns_result *out)
{
    const char *cross = NULL;

    for (size_t i = 0; i < out->count; i++) {
        verdict v = check_name(r, out->names[i], addr, flags, b);

        if (v == V_CONFIRMED) {
            out->name = out->names[i];
            out->why = "";
            return out->status = FCRDNS_OK;
        }
        if (v == V_CROSS && cross == NULL)
            cross = out->names[i];
        if ((v == V_TEMP || v == V_TIME) && out->failed_name == NULL) {
            out->failed_name = out->names[i];
            out->failed_step = FCRDNS_STEP_FORWARD;
        }
        if (v == V_TIME) {
            out->out_of_time = true;
            break; /* no time for the names left */
        }
    }
    if (cross != NULL) {
        out->name = cross;
        out->cross_family = true;
        out->why = "confirmed in the other address family";
        out->failed_name = NULL;
        out->failed_step = FCRDNS_STEP_NONE;
        out->out_of_time = false;
        return out->status = FCRDNS_OK;
    }
    if (out->failed_name != NULL) {
        out->why = out->out_of_time ? "time budget spent before a name resolved back"
                                    : "forward lookup failed temporarily";
        return out->status = FCRDNS_TEMP;
    }
    out->why = "no PTR name resolves back to the address";
    return out->status = FCRDNS_FORGED;
}

/* A PTR answer is not trusted to be a host name: labels of letters,
 * digits, '-' and '_' only, as dns_ptr() keeps them (dns_lookup() keeps
 * any name that has a text form). */
static bool host_name(const char *name)
{
    size_t label = 0;

    if (*name == '\0' || strlen(name) > DNS_MAX_NAME)
        return false;
    for (const char *p = name; *p; p++) {
        if (*p == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0;
}

fcrdns_status fcrdns_check(const dns_resolver *r, const cidr_addr *addr, unsigned flags,
                           const dns_budget *budget, fcrdns_result *out)
{
    dns_answer a;
    dns_status st;
    str_t rev;

    memset(out, 0, sizeof *out);
    memset(&a, 0, sizeof a);
    str_init(&rev);
    dns_reverse_name(addr, &rev);
    st = r->lookup(r->ctx, rev.buf, DNS_T_PTR, budget, &a);
    str_free(&rev);
    if (st == DNS_FOUND) {
        for (size_t i = 0; i < a.count && out->count < DNS_MAX_PTR_NAMES; i++)
            if (a.rr[i].text != NULL && host_name(a.rr[i].text))
                out->names[out->count++] = mem_strdup(a.rr[i].text);
    }
    if (st == DNS_TEMPFAIL) {
        out->out_of_time = out_of_time(st, &a);
        out->why = out->out_of_time ? "time budget spent on the PTR lookup"
                                    : "PTR lookup failed temporarily";
        out->failed_step = FCRDNS_STEP_PTR;
        dns_answer_free(&a);
        return out->status = FCRDNS_TEMP;
    }
    dns_answer_free(&a);
    if (st != DNS_FOUND || out->count == 0) {
        out->why = st == DNS_PERMFAIL ? "PTR lookup failed" : "no PTR record";
        return out->status = FCRDNS_FAIL;
    }
    return forward_confirm(r, addr, flags, budget, out);
}

void fcrdns_result_free(fcrdns_result *out)
{
    for (size_t i = 0; i < DNS_MAX_PTR_NAMES; i++)
        mem_free(&out->names[i]);
    out->count = 0;
    out->name = NULL;
    out->failed_name = NULL;
}

const char *fcrdns_status_name(fcrdns_status s)
{
    static const char *const names[] = {"OK", "FAIL", "FORGED", "TEMP"};

    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}
