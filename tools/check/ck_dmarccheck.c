/* ck_dmarccheck.c - the dmarc item of check 6, on lib/auth/dmarc; see
 * ck_dmarccheck.h. */
#include "config.h"

#include "ck_dmarccheck.h"

#include <string.h>

#include "auth/dmarc.h"
#include "auth/dmarc_walk.h"

/* The verdict for mail from domain that nothing authenticates: what
 * receivers apply when DMARC fails.  Returns the Author Domain's verdict,
 * or NULL when domain could not be evaluated (v->why says why). */
static const dmarc_domain *evaluate(const dns_resolver *rv, const dns_budget *b, const char *domain,
                                    dmarc_verdict *v)
{
    str_t from;
    const char *froms[1];
    dmarc_request req = {.nfrom = 1, .spf = SPF_NONE};

    str_init(&from);
    str_printf(&from, "postmaster@%s", domain);
    froms[0] = from.buf;
    req.from = froms;
    dmarc_evaluate(rv, b, &req, v);
    str_free(&from);
    return v->ndomains == 1 ? &v->domains[0] : NULL;
}

/* "p=quarantine sp=reject t=n psd=u": the tags the record gives. */
static void tags(const dmarc_record *rec, str_t *out)
{
    static const char *const psd[] = {"u", "y", "n"};
    const struct {
        const char *name;
        bool has, invalid;
        dmarc_policy p;
    } pol[] = {{"p", rec->has_p, rec->p_invalid, rec->p},
               {"sp", rec->has_sp, rec->sp_invalid, rec->sp},
               {"np", rec->has_np, rec->np_invalid, rec->np}};

    for (size_t i = 0; i < 3; i++) {
        if (pol[i].invalid)
            str_printf(out, "%s=(invalid) ", pol[i].name);
        else if (pol[i].has)
            str_printf(out, "%s=%s ", pol[i].name, dmarc_policy_name(pol[i].p));
        else if (i == 0)
            str_append_cstr(out, "no p= (none) ");
    }
    str_printf(out, "t=%s psd=%s", rec->testing ? "y" : "n", psd[rec->psd]);
}

/* Where the record that applies was found, and what receivers apply. */
static void applies(const dmarc_domain *d, str_t *out)
{
    str_printf(out, "_dmarc.%s (", d->policy_domain);
    if (strcmp(d->policy_domain, d->author_domain) == 0)
        str_append_cstr(out, "its own record");
    else if (d->org_domain != NULL && strcmp(d->policy_domain, d->org_domain) == 0)
        str_printf(out, "the organizational domain of %s", d->author_domain);
    else
        str_printf(out, "a public suffix domain above %s", d->author_domain);
    str_append_cstr(out, "): ");
    tags(&d->record, out);
    str_printf(out, "; receivers apply %s=%s", d->policy_tag, dmarc_policy_name(d->requested));
    if (d->policy != d->requested)
        str_printf(out, " (lowered by t=y to %s)", dmarc_policy_name(d->policy));
    if (d->policy == DMARC_POLICY_NONE)
        str_append_cstr(out, " (they only report)");
    str_printf(out, " to mail from %s that fails DMARC", d->author_domain);
}

/* Why no record applies to author: an unusable record, several records at
 * one name, or none (the walk asked again; the answers come from the
 * resolver's cache).  Finding and fix appended. */
static void why_none(const dns_resolver *rv, const dns_budget *b, const char *author,
                     str_t *finding, str_t *fix)
{
    dmarc_walker w;
    dmarc_walk wk;

    dmarc_walker_init(&w, rv, b);
    dmarc_walk_run(&w, author, &wk);
    for (size_t i = 0; i < wk.n; i++) {
        const dmarc_record *rec = &wk.found[i]->record;

        if (rec->p_invalid || rec->sp_invalid || rec->np_invalid) {
            str_printf(finding,
                       "the DMARC record at _dmarc.%s has an invalid p=, sp= or np= "
                       "and no valid rua=: receivers treat it as no record",
                       wk.found[i]->name);
            str_printf(fix,
                       "correct the record at _dmarc.%s: p=, sp= and np= take none, "
                       "quarantine or reject",
                       wk.found[i]->name);
            goto out;
        }
    }
    for (size_t i = 0; i < w.nmemo; i++) {
        if (w.memo[i]->several) {
            str_printf(finding,
                       "several DMARC records at _dmarc.%s: receivers discard them "
                       "all",
                       w.memo[i]->name);
            str_printf(fix, "leave one DMARC record at _dmarc.%s", w.memo[i]->name);
            goto out;
        }
    }
    str_printf(finding,
               "no DMARC record at _dmarc.%s nor at a parent domain: receivers apply "
               "no policy and send no reports",
               author);
    str_printf(fix,
               "publish at _dmarc.%s the TXT record \"v=DMARC1; p=none; "
               "rua=mailto:postmaster@%s\" (p=quarantine or p=reject once reports show your "
               "mail passing)",
               author, author);
out:
    dmarc_walker_free(&w);
}

void ck_dmarccheck(ck_report *r, const dns_resolver *rv, const dns_budget *budget,
                   const char *domain)
{
    str_t item, finding, fix;
    dmarc_verdict v;
    const dmarc_domain *d = evaluate(rv, budget, domain, &v);
    const dmarc_record *rec = d != NULL ? &d->record : NULL;

    str_init(&item), str_init(&finding), str_init(&fix);
    str_printf(&item, "dmarc %s", domain);
    if (d == NULL) {
        ck_itemf(r, CK_WARN, item.buf, "correct the domain in milterkit.conf",
                 "%s cannot be evaluated: %s", domain, v.why);
    } else if (d->result == DMARC_TEMPERROR) {
        str_printf(&finding, "DMARC could not be judged (%s): this check is incomplete", d->why);
        str_append_cstr(&fix, "look at site.dns in milterkit.conf (servers, timeout) and at the "
                              "DNS servers, then run milterkit-check again");
        ck_item(r, CK_WARN, item.buf, finding.buf, fix.buf);
    } else if (d->policy_domain == NULL) {
        why_none(rv, budget, d->author_domain, &finding, &fix);
        ck_item(r, CK_WARN, item.buf, finding.buf, fix.buf);
    } else if (rec->p_invalid || rec->sp_invalid || rec->np_invalid) {
        applies(d, &finding);
        str_append_cstr(&finding, "\nan invalid p=, sp= or np= (with a valid rua=) makes "
                                  "receivers treat the record as p=none");
        str_printf(&fix,
                   "correct the record at _dmarc.%s: p=, sp= and np= take none, "
                   "quarantine or reject",
                   d->policy_domain);
        ck_item(r, CK_WARN, item.buf, finding.buf, fix.buf);
    } else {
        applies(d, &finding);
        ck_item(r, CK_OK, item.buf, finding.buf, NULL);
    }
    dmarc_verdict_free(&v);
    str_free(&item), str_free(&finding), str_free(&fix);
}
