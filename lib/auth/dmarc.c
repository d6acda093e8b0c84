/* dmarc.c - DMARC evaluation (RFC 9989); see dmarc.h. */
#include "config.h"

#include "auth/dmarc.h"

#include "auth/dmarc_from.h"
#include "auth/dmarc_walk.h"
#include "dns/dnsname.h"
#include "core/mem.h"

#include <string.h>

typedef struct dctx {
    dmarc_walker w;
    const dmarc_request *req;
    unsigned max_dkim;
} dctx;

static const char *const result_names[] = {"none", "pass", "fail", "temperror", "permerror"};

const char *dmarc_result_name(dmarc_result r)
{
    return (unsigned)r < sizeof result_names / sizeof result_names[0] ? result_names[r] : "?";
}

/* ---- alignment (3.2.10, 4.10.2) ---- */

typedef enum align { AL_NO, AL_YES, AL_UNKNOWN } align;

/* Is identifier (a d= or the SPF domain) aligned with the Author Domain? */
static align aligned(dctx *c, const char *identifier, const char *author, const char *org,
                     bool strict)
{
    dmarc_walk wk;
    str_t id, its_org;
    align a;

    str_init(&id);
    dnsname_normalize(identifier, strlen(identifier), &id);
    if (dnsname_equal(id.buf, author)) {
        str_free(&id);
        return AL_YES; /* identical: aligned in both modes */
    }
    if (strict || org == NULL || !dnsname_within(id.buf, org) || !dnsname_well_formed(id.buf, id.len)) {
        str_free(&id);
        return AL_NO; /* its Organizational Domain cannot be org */
    }
    dmarc_walk_run(&c->w, id.buf, &wk);
    if (wk.tempfail) {
        str_free(&id);
        return AL_UNKNOWN;
    }
    str_init(&its_org);
    dmarc_walk_org(&wk, id.buf, &its_org);
    a = strcmp(its_org.buf, org) == 0 ? AL_YES : AL_NO;
    str_free(&its_org);
    str_free(&id);
    return a;
}

/*
 * Sets d->dkim_aligned / d->spf_aligned from the passing identifiers.
 * *unknown: alignment could not be determined for one of them (a walk
 * failed); *temp: an identifier whose check failed temporarily (SPF or
 * DKIM temperror) would align if it passed (5.3.6: a DNS query the
 * verdict needs did not complete, so no fail).  An identifier that cannot
 * align (another Organizational Domain) never makes a fail temporary:
 * a sender cannot escape a policy with a signature of its own whose key
 * lookup it makes fail.
 */
static void check_alignment(dctx *c, dmarc_domain *d, bool *unknown, bool *temp)
{
    const dmarc_request *req = c->req;
    unsigned looked = 0;

    *unknown = *temp = false;
    for (size_t i = 0; i < req->ndkim && looked < c->max_dkim; i++) {
        const dmarc_dkim *k = &req->dkim[i];
        align a;

        if ((!k->pass && !k->temperror) || k->domain == NULL)
            continue;
        looked++;
        a = aligned(c, k->domain, d->author_domain, d->org_domain, d->record.adkim_strict);
        if (!k->pass) {
            *temp |= a != AL_NO;
            continue;
        }
        if (a == AL_YES) {
            d->dkim_aligned = true;
            d->dkim_domain = mem_strdup(k->domain);
            break;
        }
        *unknown |= a == AL_UNKNOWN;
    }
    if ((req->spf == SPF_PASS || req->spf == SPF_TEMPERROR) && req->spf_domain != NULL) {
        align a =
            aligned(c, req->spf_domain, d->author_domain, d->org_domain, d->record.aspf_strict);

        if (req->spf == SPF_PASS) {
            d->spf_aligned = a == AL_YES;
            *unknown |= a == AL_UNKNOWN;
        } else {
            *temp |= a != AL_NO;
        }
    }
}

/* ---- policy (4.10.1) ---- */

/* The record that applies to author from its walk; *sub when it is not the
 * Author Domain's own (sp= / np= then apply). */
static const dmarc_answer *applied_record(const dmarc_walk *wk, const char *author, const char *org,
                                          bool *sub)
{
    *sub = true;
    if (wk->n == 0)
        return NULL;
    if (strcmp(wk->found[0]->name, author) == 0) {
        *sub = false;
        return wk->found[0];
    }
    for (size_t i = 0; i < wk->n; i++)
        if (strcmp(wk->found[i]->name, org) == 0)
            return wk->found[i];
    return wk->found[wk->n - 1]->record.psd == DMARC_PSD_Y ? wk->found[wk->n - 1] : NULL;
}

/* 4.10.1: a record with an invalid p=, sp= or np= is p=none if it has a
 * valid rua=, else no record at all. */
static bool usable_record(dmarc_record *rec)
{
    if (!rec->p_invalid && !rec->sp_invalid && !rec->np_invalid)
        return true;
    if (!rec->rua_valid)
        return false;
    rec->has_p = true;
    rec->p = DMARC_POLICY_NONE;
    rec->has_sp = rec->has_np = false;
    return true;
}

/* Does the Author Domain exist (A.4, RFC 8020)?  -1 when the DNS failed. */
static int author_exists(dctx *c, const char *author)
{
    dns_answer a;
    str_t q;
    dns_status st;
    int exists;

    str_init(&q);
    if (dnsname_query_form(author, strlen(author), &q) < 0) {
        str_free(&q);
        return 0;
    }
    st = c->w.r->lookup(c->w.r->ctx, q.buf, DNS_T_A, c->w.budget, &a);
    c->w.queries++;
    exists = st == DNS_TEMPFAIL ? -1 : !(st == DNS_NOTFOUND && a.info.nxdomain);
    dns_answer_free(&a);
    str_free(&q);
    return exists;
}

static dmarc_policy lowered(dmarc_policy p, bool testing)
{
    if (!testing || p == DMARC_POLICY_NONE)
        return p;
    return p == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE : DMARC_POLICY_NONE;
}

/* Which tag applies, and what it asks for; -1 when existence could not be
 * determined.  Without ask, an Author Domain is taken to exist (a pass
 * needs no policy, so no query is spent on it). */
static int choose_policy(dctx *c, dmarc_domain *d, bool sub, bool ask)
{
    const dmarc_record *r = &d->record;
    dmarc_policy for_existing = r->has_sp ? r->sp : r->has_p ? r->p : DMARC_POLICY_NONE;

    if (!sub) {
        d->policy_tag = "p";
        d->requested = r->has_p ? r->p : DMARC_POLICY_NONE;
        return 0;
    }
    if (ask && r->has_np && r->np != for_existing) { /* np= would change the answer */
        int e = author_exists(c, d->author_domain);

        if (e < 0)
            return -1;
        d->exists = e == 1;
    }
    if (!d->exists && r->has_np) {
        d->policy_tag = "np";
        d->requested = r->np;
    } else {
        d->policy_tag = r->has_sp ? "sp" : "p";
        d->requested = for_existing;
    }
    return 0;
}

static void evaluate_domain(dctx *c, const char *author, dmarc_domain *d)
{
    const dmarc_answer *rec;
    dmarc_walk wk;
    str_t org;
    bool sub, unknown, temp;

    d->author_domain = mem_strdup(author);
    d->exists = true;
    dmarc_walk_run(&c->w, author, &wk);
    if (wk.tempfail) {
        d->result = DMARC_TEMPERROR;
        d->why = c->w.out_of_time ? DNS_WHY_BUDGET : "DMARC record lookup failed";
        return;
    }
    str_init(&org);
    dmarc_walk_org(&wk, author, &org);
    d->org_domain = str_steal(&org);
    rec = applied_record(&wk, author, d->org_domain, &sub);
    if (rec == NULL) {
        d->result = DMARC_NONE;
        d->why = "no DMARC record";
        return;
    }
    dmarc_record_copy(&rec->record, &d->record);
    if (!usable_record(&d->record)) {
        d->result = DMARC_NONE;
        d->why = "DMARC record without a valid policy and without rua=";
        return;
    }
    d->policy_domain = mem_strdup(rec->name);
    d->testing = d->record.testing;
    check_alignment(c, d, &unknown, &temp);
    if (d->dkim_aligned || d->spf_aligned) {
        d->result = DMARC_PASS;
        d->why = d->dkim_aligned ? "aligned DKIM pass" : "aligned SPF pass";
        (void)choose_policy(c, d, sub, false); /* what would have applied, for logs */
        return;
    }
    if (unknown || temp || choose_policy(c, d, sub, true) < 0) {
        d->result = DMARC_TEMPERROR;
        d->why = c->w.out_of_time ? DNS_WHY_BUDGET
                 : temp ? "an SPF or DKIM check that could align failed temporarily"
                        : "DNS lookup for alignment failed";
        (void)choose_policy(c, d, sub, false); /* what would have applied, for logs */
        return;
    }
    d->result = DMARC_FAIL;
    d->policy = lowered(d->requested, d->testing);
    d->why = "no aligned identifier";
}

/* ---- the message ---- */

/* The order in which results decide for the message (see dmarc.h). */
static int rank(dmarc_result r)
{
    static const int order[] = {[DMARC_FAIL] = 5,
                                [DMARC_TEMPERROR] = 4,
                                [DMARC_PERMERROR] = 3,
                                [DMARC_PASS] = 2,
                                [DMARC_NONE] = 1};

    return order[r];
}

static void combine(dmarc_verdict *v)
{
    const dmarc_domain *best = NULL;

    for (size_t i = 0; i < v->ndomains; i++) {
        const dmarc_domain *d = &v->domains[i];

        if (best == NULL || rank(d->result) > rank(best->result) ||
            (d->result == DMARC_FAIL && best->result == DMARC_FAIL && d->policy > best->policy))
            best = d;
    }
    v->decisive = best;
    v->result = best ? best->result : DMARC_NONE;
    v->policy = best && best->result == DMARC_FAIL ? best->policy : DMARC_POLICY_NONE;
    v->why = best ? best->why : "";
}

dmarc_result dmarc_evaluate(const dns_resolver *r, const dns_budget *budget,
                            const dmarc_request *req, dmarc_verdict *out)
{
    unsigned max_domains = req->max_domains ? req->max_domains : DMARC_DEFAULT_MAX_DOMAINS;
    dmarc_authors authors;
    dctx c = {.req = req, .max_dkim = req->max_dkim ? req->max_dkim : DMARC_DEFAULT_MAX_DKIM};

    memset(out, 0, sizeof *out);
    dmarc_authors_of(req->from, req->nfrom, max_domains, &authors);
    out->multiple_from_fields = req->nfrom > 1;
    out->multiple_domains = authors.n > 1;
    out->from_problem =
        req->nfrom == 0 || authors.n == 0 || authors.unparseable || authors.unusable > 0;
    out->incomplete = authors.truncated;
    dmarc_walker_init(&c.w, r, budget);
    out->ndomains = authors.n;
    out->domains = mem_array(out->ndomains ? out->ndomains : 1, sizeof *out->domains);
    for (size_t i = 0; i < out->ndomains; i++)
        evaluate_domain(&c, authors.domain[i], &out->domains[i]);
    combine(out);
    if (out->result != DMARC_FAIL) {
        const char *problem = req->nfrom == 0 ? "no From header field"
                              : authors.n == 0
                                  ? (authors.why[0] ? authors.why : "no mailbox in From")
                              : out->incomplete     ? "not every From domain evaluated"
                              : authors.unparseable ? authors.why
                                                    : NULL;

        if (problem != NULL) { /* no From domain may escape evaluation */
            out->result = DMARC_PERMERROR;
            out->why = problem;
            out->decisive = NULL;
        }
    }
    out->queries = c.w.queries;
    dmarc_walker_free(&c.w);
    dmarc_authors_free(&authors);
    return out->result;
}

void dmarc_verdict_free(dmarc_verdict *v)
{
    for (size_t i = 0; i < v->ndomains; i++) {
        dmarc_domain *d = &v->domains[i];

        mem_free(&d->author_domain);
        mem_free(&d->policy_domain);
        mem_free(&d->org_domain);
        mem_free(&d->dkim_domain);
        dmarc_record_free(&d->record);
    }
    mem_free(&v->domains);
    v->ndomains = 0;
    v->decisive = NULL;
}
