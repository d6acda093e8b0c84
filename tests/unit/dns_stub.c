/* dns_stub.c - a table-driven dns_lookup() for unit tests; see dns_stub.h. */
#include "config.h"

#include "dns_stub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cidr.h"
#include "core/mem.h"

static int listed(const char *const *list, const char *name)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        if (strcasecmp(list[i], name) == 0)
            return 1;
    return 0;
}

static void add_rr(dns_answer *a, dns_type type, const char *data)
{
    dns_rr *rr;
    unsigned pref = 0;
    char name[300];

    a->rr = mem_realloc_array(a->rr, a->count + 1, sizeof *a->rr);
    rr = &a->rr[a->count++];
    memset(rr, 0, sizeof *rr);
    switch (type) {
    case DNS_T_A:
    case DNS_T_AAAA:
        if (cidr_addr_parse(data, &rr->addr) < 0)
            abort();
        return;
    case DNS_T_MX:
        if (sscanf(data, "%u %299s", &pref, name) != 2)
            abort();
        rr->pref = pref;
        rr->text = mem_strdup(name);
        break;
    default:
        rr->text = mem_strdup(data);
        break;
    }
    rr->len = strlen(rr->text);
}

static dns_status stub_lookup(void *ctx, const char *qname, dns_type type, const dns_budget *b,
                              dns_answer *out)
{
    dns_stub *s = ctx;
    char name[300];
    size_t len = strlen(qname);
    int any = 0;

    (void)b;
    memset(out, 0, sizeof *out);
    out->info.why = "";
    snprintf(name, sizeof name, "%.*s", (int)(len && qname[len - 1] == '.' ? len - 1 : len), qname);
    if (s->nasked < sizeof s->asked / sizeof s->asked[0])
        snprintf(s->asked[s->nasked++], sizeof s->asked[0], "%s %s", dns_type_name(type), name);
    if (listed(s->spent, name)) {
        out->info.why = DNS_WHY_BUDGET;
        return DNS_TEMPFAIL;
    }
    if (listed(s->tempfail, name)) {
        out->info.why = "server failure (SERVFAIL)";
        return DNS_TEMPFAIL;
    }
    for (size_t i = 0; i < s->nrr; i++) {
        size_t n = strlen(s->rr[i].name);

        if (strcasecmp(s->rr[i].name, name) == 0) {
            any = 1;
            if (s->rr[i].type == type)
                add_rr(out, type, s->rr[i].data);
        } else if (n > strlen(name) && s->rr[i].name[n - strlen(name) - 1] == '.' &&
                   strcasecmp(s->rr[i].name + n - strlen(name), name) == 0) {
            any = 1; /* an empty non-terminal exists */
        }
    }
    if (out->count > 0)
        return DNS_FOUND;
    out->info.nxdomain = !any;
    out->info.why = any ? "no record of that type (NODATA)" : "no such name (NXDOMAIN)";
    return DNS_NOTFOUND;
}

dns_resolver dns_stub_resolver(dns_stub *stub)
{
    return (dns_resolver){.ctx = stub, .lookup = stub_lookup};
}

int dns_stub_was_asked(const dns_stub *stub, const char *what)
{
    for (size_t i = 0; i < stub->nasked; i++)
        if (strcasecmp(stub->asked[i], what) == 0)
            return 1;
    return 0;
}
