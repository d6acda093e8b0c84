/* ck_spfcheck.c - the spf item of check 6, on lib/auth/spf; see ck_spfcheck.h. */
#include "config.h"

#include "ck_spfcheck.h"

#include <string.h>

#include "auth/spf.h"
#include "auth/spf_record.h"

#define SHOWN 300 /* bytes of a record or a term shown */

/* The result that words the item, when addresses differ: the worst. */
static int rank(spf_result r)
{
    switch (r) {
    case SPF_TEMPERROR:
        return 4;
    case SPF_PERMERROR:
        return 3;
    case SPF_NONE:
        return 2;
    case SPF_PASS:
        return 0;
    default:
        return 1; /* fail, softfail, neutral */
    }
}

/* The v=spf1 records at domain, one a line, appended to out (what
 * check_host will select from; several are a permerror it reports).
 * Returns how many. */
static size_t records(const dns_resolver *rv, const dns_budget *b, const char *domain, str_t *out)
{
    dns_answer a;
    size_t n = 0;
    dns_status st = rv->lookup(rv->ctx, domain, DNS_T_TXT, b, &a);

    for (size_t i = 0; st == DNS_FOUND && i < a.count; i++) {
        if (!spf_record_is_spf1(a.rr[i].text, a.rr[i].len))
            continue;
        if (n++ > 0)
            str_append_char(out, '\n');
        ck_report_safe(out, a.rr[i].text, a.rr[i].len, SHOWN, false);
    }
    if (n == 0)
        str_printf(out, "%s %s",
                   st == DNS_TEMPFAIL ? "no answer for the TXT records of" : "no SPF record at",
                   domain);
    dns_answer_free(&a);
    return n;
}

/* check_host for one address; its line appended to finding.  Returns the
 * result, its reason in *why (static text). */
static spf_result judge(const dns_resolver *rv, const dns_budget *b, const char *domain,
                        const cidr_addr *ip, const char *via, str_t *finding, const char **why)
{
    spf_check chk;
    str_t sender;
    char buf[64];
    spf_result res;

    str_init(&sender);
    str_printf(&sender, "postmaster@%s", domain);
    res = spf_check_host(rv, b, ip, domain, sender.buf, via, NULL, &chk);
    cidr_addr_format(ip, buf, sizeof buf);
    str_printf(finding, "\nfor %s (%s): %s", buf, via, spf_result_name(res));
    if (chk.mechanism != NULL && strcmp(chk.mechanism, "default") == 0) {
        str_append_cstr(finding, ": no term matched");
    } else if (chk.mechanism != NULL) {
        str_append_cstr(finding, ", decided by ");
        ck_report_safe(finding, chk.mechanism, strlen(chk.mechanism), SHOWN, false);
    } else if (chk.why[0] != '\0') {
        str_printf(finding, ": %s", chk.why);
    }
    *why = chk.why;
    spf_check_free(&chk);
    str_free(&sender);
    return res;
}

/* "ip4:A ip6:B ..." */
static void terms(const cidr_addr *a, size_t n, str_t *out)
{
    char buf[64];

    for (size_t i = 0; i < n; i++) {
        cidr_addr_format(&a[i], buf, sizeof buf);
        str_printf(out, "%sip%c:%s", i ? " " : "", cidr_addr_is_v4(&a[i]) ? '4' : '6', buf);
    }
}

/* The record to publish, or the terms to add. */
static void coverage_fix(const char *domain, size_t nrec, const cidr_addr *a, size_t n, str_t *fix)
{
    str_t t;

    str_init(&t);
    terms(a, n, &t);
    if (n == 0)
        str_printf(fix,
                   "%s the SPF record of %s with the ISP's include: term (ask the ISP "
                   "which), and make sure the relay's name resolves",
                   nrec == 0 ? "publish" : "complete", domain);
    else if (nrec == 0)
        str_printf(fix,
                   "publish at %s the TXT record \"v=spf1 %s ~all\" (or the ISP's "
                   "include: term instead of the addresses)",
                   domain, t.buf);
    else
        str_printf(fix,
                   "add %s (or the ISP's include: term) to the SPF record of %s, before "
                   "its all term",
                   t.buf, domain);
    str_free(&t);
}

/* The closing lines and the fix of an item that is not ok. */
static void explain(spf_result worst, const char *why, const char *domain, size_t nrec,
                    const cidr_addr *a, size_t n, const char *via, str_t *finding, str_t *fix)
{
    switch (worst) {
    case SPF_TEMPERROR:
        str_printf(finding,
                   "\nthe DNS did not answer every question (%s): this check is "
                   "incomplete",
                   why);
        str_append_cstr(fix, "look at site.dns in milterkit.conf (servers, timeout) and at the "
                             "DNS servers, then run milterkit-check again");
        return;
    case SPF_PERMERROR:
        str_printf(finding,
                   "\nreceivers see spf=permerror (%s): the record counts as broken, "
                   "and DMARC then rests on DKIM (d=%s) alone",
                   why, domain);
        str_printf(fix, "correct the SPF record of %s (%s; RFC 7208), and let it cover %s", domain,
                   why, via);
        return;
    case SPF_NONE:
        str_printf(finding,
                   "\nno SPF record: receivers see spf=none; DMARC then rests on DKIM "
                   "(d=%s) alone",
                   domain);
        break;
    default:
        str_printf(finding,
                   "\nreceivers will not see spf=pass for mail relayed by %s: DKIM "
                   "(d=%s) is then what aligns for DMARC",
                   via, domain);
        break;
    }
    coverage_fix(domain, nrec, a, n, fix);
}

void ck_spfcheck(ck_report *r, const dns_resolver *rv, const dns_budget *budget, const char *domain,
                 const cidr_addr *a, size_t n, const char *via)
{
    str_t item, finding, fix;
    spf_result worst = SPF_PASS;
    const char *worst_why = "";
    size_t nrec;

    str_init(&item), str_init(&finding), str_init(&fix);
    str_printf(&item, "spf %s", domain);
    nrec = records(rv, budget, domain, &finding);
    if (n == 0) /* nothing to run check_host for: judged by the record alone */
        worst = nrec == 0 ? SPF_NONE : SPF_NEUTRAL;
    for (size_t i = 0; i < n; i++) {
        const char *why;
        spf_result res = judge(rv, budget, domain, &a[i], via, &finding, &why);

        if (rank(res) > rank(worst))
            worst = res, worst_why = why;
    }
    if (n == 0)
        str_printf(&finding, "\nno address to judge it for (%s has none)", via);
    if (worst == SPF_PASS) {
        ck_item(r, CK_OK, item.buf, finding.buf, NULL);
    } else {
        explain(worst, worst_why, domain, nrec, a, n, via, &finding, &fix);
        ck_item(r, CK_WARN, item.buf, finding.buf, fix.buf);
    }
    str_free(&item), str_free(&finding), str_free(&fix);
}
