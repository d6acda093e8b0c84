/* dmarc_walk.c - the DNS Tree Walk (RFC 9989 4.10); see dmarc_walk.h. */
#include "config.h"

#include "auth/dmarc_walk.h"

#include "dns/dnsname.h"
#include "core/mem.h"

#include <string.h>

void dmarc_walker_init(dmarc_walker *w, const dns_resolver *r, const dns_budget *budget)
{
    memset(w, 0, sizeof *w);
    w->r = r;
    w->budget = budget;
}

void dmarc_walker_free(dmarc_walker *w)
{
    for (size_t i = 0; i < w->nmemo; i++) {
        mem_free(&w->memo[i]->name);
        dmarc_record_free(&w->memo[i]->record);
        mem_free(&w->memo[i]);
    }
    mem_free(&w->memo);
    w->nmemo = 0;
}

size_t dmarc_walk_names(const char *name, const char *names[DMARC_MAX_WALK])
{
    size_t labels = dnsname_labels(name), n = 0;
    const char *cur;

    if (labels == 0)
        return 0;
    names[n++] = name;
    /* step 4: 8 labels or more are cut to 7 at once, else one goes */
    cur = dnsname_drop_labels(name, labels >= 8 ? labels - 7 : 1);
    while (*cur != '\0' && n < DMARC_MAX_WALK) {
        names[n++] = cur;
        cur = dnsname_drop_labels(cur, 1);
    }
    return n;
}

/* The DMARC record of a TXT answer: exactly one v=DMARC1 record (4.10
 * step 2), else none (several: all discarded). */
static void select_record(const dns_answer *a, dmarc_answer *out)
{
    const dns_rr *found = NULL;
    size_t count = 0;
    const char *why;

    for (size_t i = 0; i < a->count; i++) {
        if (dmarc_record_is_dmarc1(a->rr[i].text, a->rr[i].len)) {
            found = &a->rr[i];
            count++;
        }
    }
    if (count != 1) {
        out->status = DNS_NOTFOUND;
        out->several = count > 1;
        return;
    }
    (void)dmarc_record_parse(found->text, found->len, &out->record, &why);
    out->status = DNS_FOUND;
}

static void ask_dns(dmarc_walker *w, dmarc_answer *out)
{
    dns_answer a;
    str_t q;
    dns_status st;

    str_init(&q);
    str_append_cstr(&q, "_dmarc.");
    if (strlen(out->name) + strlen("_dmarc.") > DNSNAME_MAX ||
        dnsname_query_form(out->name, strlen(out->name), &q) < 0) {
        out->status = DNS_NOTFOUND; /* a name no record can be published at */
        str_free(&q);
        return;
    }
    st = w->r->lookup(w->r->ctx, q.buf, DNS_T_TXT, w->budget, &a);
    w->queries++;
    str_free(&q);
    if (st == DNS_TEMPFAIL && a.info.why != NULL && strcmp(a.info.why, DNS_WHY_BUDGET) == 0)
        w->out_of_time = true;
    if (st == DNS_FOUND)
        select_record(&a, out);
    else
        out->status = st == DNS_TEMPFAIL ? DNS_TEMPFAIL : DNS_NOTFOUND;
    dns_answer_free(&a);
}

const dmarc_answer *dmarc_walker_ask(dmarc_walker *w, const char *name)
{
    dmarc_answer *a;

    for (size_t i = 0; i < w->nmemo; i++)
        if (strcmp(w->memo[i]->name, name) == 0)
            return w->memo[i];
    a = mem_zalloc(sizeof *a);
    a->name = mem_strdup(name);
    ask_dns(w, a);
    w->memo = mem_realloc_array(w->memo, w->nmemo + 1, sizeof *w->memo);
    w->memo[w->nmemo++] = a;
    return a;
}

void dmarc_walk_run(dmarc_walker *w, const char *start, dmarc_walk *out)
{
    const char *names[DMARC_MAX_WALK];
    size_t n = dmarc_walk_names(start, names);

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const dmarc_answer *a = dmarc_walker_ask(w, names[i]);

        if (a->status == DNS_TEMPFAIL) {
            out->tempfail = true;
            return;
        }
        if (a->status != DNS_FOUND)
            continue;
        out->found[out->n++] = a;
        if (a->record.psd != DMARC_PSD_U) /* steps 2 and 6: psd=y or psd=n stops */
            return;
    }
}

void dmarc_walk_org(const dmarc_walk *wk, const char *start, str_t *out)
{
    const dmarc_answer *last;
    size_t labels;

    if (wk->n == 0) {
        str_append_cstr(out, start);
        return;
    }
    last = wk->found[wk->n - 1]; /* only the last can carry psd=y/n */
    if (last->record.psd == DMARC_PSD_Y && strcmp(last->name, start) != 0) {
        labels = dnsname_labels(last->name) + 1;
        str_append_cstr(out, dnsname_drop_labels(start, dnsname_labels(start) - labels));
        return;
    }
    str_append_cstr(out, last->name); /* psd=n, or the fewest labels */
}
