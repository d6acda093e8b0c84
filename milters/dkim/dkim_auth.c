/* dkim_auth.c - SPF and DMARC of one inbound message; see dkim_auth.h. */
#include "config.h"

#include "dkim_auth.h"

#include "core/mem.h"
#include "dkim_ar.h"

#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A budget of what is left, the clock started now.  Never 0 (unlimited):
 * with nothing left the deadline is now, so every query is refused. */
static void budget_start(dkim_auth *a)
{
    a->resumed_ns = now_ns();
    a->budget.deadline_ns = a->resumed_ns + a->left_ns;
}

static void budget_stop(dkim_auth *a)
{
    uint64_t spent = now_ns() - a->resumed_ns;

    a->left_ns -= spent < a->left_ns ? spent : a->left_ns;
}

/* The address of a MAIL FROM argument, without its angle brackets. */
static char *bare_address(const char *arg)
{
    size_t n = strlen(arg);

    if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
        return mem_strndup(arg + 1, n - 2);
    return mem_strdup(arg);
}

void dkim_auth_begin(dkim_auth *a, dkim_policy *p, const cidr_addr *client, const char *helo,
                     const char *mail_from)
{
    const dkim_settings *s = dkim_policy_settings(p);
    const dns_resolver *r;
    spf_request req;

    a->helo = mem_strdup(helo ? helo : "");
    a->mail_from = bare_address(mail_from ? mail_from : "<>");
    a->null_sender = a->mail_from[0] == '\0';
    a->left_ns = (uint64_t)s->dns_budget * 1000000000u;
    a->relay = client != NULL && cidr_set_match(&s->relays, client);
    if (a->relay || !s->spf.enable)
        return;
    if (client == NULL) {
        a->spf_why = "no client address";
        return;
    }
    r = dkim_policy_resolver(p);
    if (r == NULL) {
        a->spf_why = "DNS resolver unavailable";
        return;
    }
    req = (spf_request){.client = *client,
                        .helo = a->helo,
                        .mail_from = mail_from,
                        .limits = {.max_lookups = (unsigned)s->spf.max_lookups,
                                   .max_voids = (unsigned)s->spf.max_void_lookups}};
    budget_start(a);
    spf_evaluate(r, &a->budget, &req, &a->spf);
    budget_stop(a);
    a->spf_done = true;
}

void dkim_auth_from(dkim_auth *a, const char *value, size_t max_fields, size_t max_size)
{
    if (a->nfrom >= max_fields || strlen(value) > max_size) {
        a->from_dropped = true;
        return;
    }
    a->from = mem_realloc_array(a->from, a->nfrom + 1, sizeof *a->from);
    a->from[a->nfrom++] = mem_strdup(value);
}

const dns_budget *dkim_auth_resume(dkim_auth *a)
{
    budget_start(a);
    return &a->budget;
}

/* The SPF result DMARC takes: that of the MAIL FROM identity. */
static spf_result mailfrom_result(const dkim_auth *a)
{
    if (a->spf_done)
        return a->spf.mailfrom.result;
    return a->spf_why != NULL && strcmp(a->spf_why, "no client address") != 0 ? SPF_TEMPERROR
                                                                              : SPF_NONE;
}

void dkim_auth_dmarc(dkim_auth *a, dkim_policy *p, const dkim_vresult *res, size_t n)
{
    const dns_resolver *r;
    dmarc_dkim *dk;
    dmarc_request req;

    if (a->relay || !dkim_policy_settings(p)->dmarc.enable)
        return;
    dk = mem_array(n ? n : 1, sizeof *dk);
    for (size_t i = 0; i < n; i++)
        dk[i] = (dmarc_dkim){.domain = res[i].d,
                             .pass = res[i].res == DKIM_RES_PASS,
                             .temperror = res[i].res == DKIM_RES_TEMPERROR};
    req = (dmarc_request){.from = (const char *const *)a->from,
                          .nfrom = a->nfrom,
                          .spf = mailfrom_result(a),
                          .spf_domain = a->spf_done ? a->spf.mailfrom.domain : NULL,
                          .dkim = dk,
                          .ndkim = n};
    r = dkim_policy_resolver(p);
    if (r == NULL) {
        memset(&a->dmarc, 0, sizeof a->dmarc);
        a->dmarc.result = DMARC_TEMPERROR;
        a->dmarc.why = "DNS resolver unavailable";
    } else {
        dmarc_evaluate(r, &a->budget, &req, &a->dmarc);
    }
    /* Every From field must be seen (dmarc.h): one too large to keep
     * makes anything but a fail a permerror. */
    if (a->from_dropped && a->dmarc.result != DMARC_FAIL) {
        a->dmarc.result = DMARC_PERMERROR;
        a->dmarc.why = "a From header field over the limits was not evaluated";
        a->dmarc.decisive = NULL;
    }
    a->dmarc_done = true;
    mem_free(&dk);
}

/* ---- Authentication-Results ---- */

static bool wants_reason(spf_result r)
{
    return r == SPF_NONE || r == SPF_TEMPERROR || r == SPF_PERMERROR;
}

static void ar_spf_check(str_t *out, const spf_check *c, const char *property, const char *value)
{
    dkim_ar_method(out, "spf", spf_result_name(c->result));
    if (wants_reason(c->result) && c->why != NULL && *c->why != '\0')
        dkim_ar_reason(out, c->why);
    dkim_ar_prop(out, "smtp", property, value);
}

void dkim_auth_ar_spf(const dkim_auth *a, str_t *out)
{
    const spf_verdict *v = &a->spf;

    if (a->relay || (!a->spf_done && a->spf_why == NULL))
        return;
    if (!a->spf_done) {
        dkim_ar_method(out, "spf", spf_result_name(mailfrom_result(a)));
        dkim_ar_reason(out, a->spf_why);
        return;
    }
    /* RFC 7208 2.4: for "<>" the MAIL FROM identity is postmaster@HELO,
     * the HELO check itself: one result, for the HELO name. */
    if (!a->null_sender)
        ar_spf_check(out, &v->mailfrom, "mailfrom",
                     v->mailfrom.sender ? v->mailfrom.sender : a->mail_from);
    if (a->null_sender || a->helo[0] != '\0')
        ar_spf_check(out, &v->helo, "helo", v->helo.domain ? v->helo.domain : a->helo);
}

const char *dkim_auth_dmarc_domain(const dkim_auth *a)
{
    const dmarc_verdict *v = &a->dmarc;

    if (!a->dmarc_done)
        return NULL;
    if (v->decisive != NULL)
        return v->decisive->author_domain;
    return v->ndomains > 0 ? v->domains[0].author_domain : NULL;
}

/* The domain whose record decided, or the first one. */
static const dmarc_domain *shown_domain(const dmarc_verdict *v)
{
    return v->decisive != NULL ? v->decisive : v->ndomains > 0 ? &v->domains[0] : NULL;
}

void dkim_auth_ar_dmarc(const dkim_auth *a, str_t *out)
{
    const dmarc_verdict *v = &a->dmarc;
    const dmarc_domain *d = shown_domain(v);
    str_t note;

    if (!a->dmarc_done)
        return;
    dkim_ar_method(out, "dmarc", dmarc_result_name(v->result));
    if (v->result != DMARC_PASS && v->why != NULL && *v->why != '\0')
        dkim_ar_reason(out, v->why);
    if (d != NULL)
        dkim_ar_prop(out, "header", "from", d->author_domain);
    /* RFC 9989 9.1: the policy applied or to be applied, t= processed. */
    if (v->result == DMARC_FAIL)
        dkim_ar_prop(out, "policy", "dmarc", dmarc_policy_name(v->policy));
    str_init(&note);
    if (d != NULL && d->policy_tag != NULL)
        str_printf(&note, "%s=%s%s", d->policy_tag, dmarc_policy_name(d->requested),
                   d->testing ? " t=y" : "");
    if (v->ndomains > 1)
        str_printf(&note, "%s%zu From domains", note.len ? "; " : "", v->ndomains);
    if (note.len > 0)
        dkim_ar_comment(out, note.buf);
    str_free(&note);
}

void dkim_auth_ar_note(const dkim_auth *a, str_t *out)
{
    if (a->relay)
        dkim_ar_comment(out, "trusted relay: SPF and DMARC not evaluated");
}

void dkim_auth_log_fields(const dkim_auth *a, str_t *out)
{
    const char *dom = dkim_auth_dmarc_domain(a);

    if (a->relay) {
        str_append_cstr(out, " relay=yes");
        return;
    }
    if (a->spf_done || a->spf_why != NULL)
        str_printf(out, " spf=%s", spf_result_name(mailfrom_result(a)));
    if (!a->dmarc_done)
        return;
    str_printf(out, " dmarc=%s", dmarc_result_name(a->dmarc.result));
    if (dom != NULL)
        str_printf(out, " dmarc_domain=%s", dom); /* A-labels, lower case */
    if (a->dmarc.result == DMARC_FAIL)
        str_printf(out, " dmarc_policy=%s", dmarc_policy_name(a->dmarc.policy));
}

/* ---- actions ---- */

dkim_auth_action dkim_auth_decide(const dkim_auth *a, const dkim_settings *s, str_t *text)
{
    const dmarc_verdict *v = &a->dmarc;
    const char *dom = dkim_auth_dmarc_domain(a);
    int how = DKIM_DMARC_ANNOTATE;

    if (!a->dmarc_done)
        return DKIM_AUTH_ACCEPT;
    if (v->result == DMARC_TEMPERROR) {
        if (s->dmarc.on_temperror != SITE_TEMPFAIL)
            return DKIM_AUTH_ACCEPT;
        str_printf(text, "DMARC evaluation of %s failed temporarily (%s), try again later",
                   dom ? dom : "the From domain", v->why ? v->why : "");
        return DKIM_AUTH_TEMPFAIL;
    }
    if (v->result != DMARC_FAIL)
        return DKIM_AUTH_ACCEPT;
    if (v->policy == DMARC_POLICY_REJECT)
        how = s->dmarc.on_policy_reject;
    else if (v->policy == DMARC_POLICY_QUARANTINE)
        how = s->dmarc.on_policy_quarantine;
    switch (how) {
    case DKIM_DMARC_REJECT:
        str_printf(text,
                   "The DMARC policy of %s rejects this message: "
                   "no aligned SPF or DKIM pass",
                   dom ? dom : "the From domain");
        return DKIM_AUTH_REJECT;
    case DKIM_DMARC_QUARANTINE:
        str_printf(text, "DMARC: %s asks for %s, no aligned SPF or DKIM pass",
                   dom ? dom : "the From domain", dmarc_policy_name(v->policy));
        return DKIM_AUTH_QUARANTINE;
    default:
        return DKIM_AUTH_ACCEPT;
    }
}

const char *dkim_auth_action_name(dkim_auth_action act)
{
    switch (act) {
    case DKIM_AUTH_REJECT:
        return "reject";
    case DKIM_AUTH_QUARANTINE:
        return "quarantine";
    case DKIM_AUTH_TEMPFAIL:
        return "tempfail";
    default:
        return "accept";
    }
}

void dkim_auth_end(dkim_auth *a)
{
    if (a->spf_done)
        spf_verdict_free(&a->spf);
    if (a->dmarc_done)
        dmarc_verdict_free(&a->dmarc);
    for (size_t i = 0; i < a->nfrom; i++)
        mem_free(&a->from[i]);
    mem_free(&a->from);
    mem_free(&a->helo);
    mem_free(&a->mail_from);
    memset(a, 0, sizeof *a);
}
