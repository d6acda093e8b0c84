/* dkim_sign.c - the signing path of one message; see dkim_sign.h. */
#include "config.h"

#include "dkim_sign.h"

#include "mail/addr.h"
#include "dkim/dkimcanon.h"
#include "dkim/dkimsign.h"
#include "core/log.h"
#include "core/mem.h"

#include <string.h>
#include <strings.h>

struct dkim_sign {
    dkim_policy *p;
    dkimsign_header_t *view; /* the headers as they will be delivered */
    size_t n;
    char **owned;            /* rewritten values, owned */
    size_t nowned;
    const dkim_signer *signers[DKIM_POLICY_MAX_SIGNERS];
    size_t nsigners;
    dkimcanon_body_t *body;
};

/* Our view: every field, sender fields masqueraded as milterkit-masq does. */
static int build_view(dkim_sign *g, const dkim_hdr *hdrs, size_t n, const char **why)
{
    g->view = mem_array(n ? n : 1, sizeof *g->view);
    g->owned = mem_array(n ? n : 1, sizeof *g->owned);
    g->n = n;
    for (size_t i = 0; i < n; i++) {
        str_t out;
        int rc;

        str_init(&out);
        rc = dkim_policy_masquerade(g->p, hdrs[i].name, hdrs[i].value, &out, why);
        g->view[i].name = hdrs[i].name;
        g->view[i].value = hdrs[i].value;
        if (rc == 1) {
            g->owned[g->nowned] = str_steal(&out);
            g->view[i].value = g->owned[g->nowned++];
        }
        str_free(&out);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The one From field of the view; NULL when there is none or several. */
static const char *single_from(const dkim_sign *g)
{
    const char *from = NULL;

    for (size_t i = 0; i < g->n; i++)
        if (strcasecmp(g->view[i].name, "From") == 0) {
            if (from != NULL)
                return NULL;
            from = g->view[i].value;
        }
    return from;
}

static dkim_sign_decision choose_keys(dkim_sign *g, const char **why)
{
    const char *from = single_from(g);
    addr_span d;

    if (from == NULL) {
        *why = "not exactly one From field";
        return DKIM_SIGN_NO;
    }
    if (addr_from_domain(from, strlen(from), &d, why) < 0)
        return DKIM_SIGN_NO;
    g->nsigners = dkim_policy_signers(g->p, from + d.off, d.len, g->signers);
    if (g->nsigners == 0) {
        *why = "no key for the From domain";
        return DKIM_SIGN_NO;
    }
    return DKIM_SIGN_YES;
}

dkim_sign_decision dkim_sign_prepare(dkim_policy *p, const dkim_hdr *hdrs, size_t n,
                                     bool over_limits, dkim_sign **out, const char **why)
{
    dkim_sign *g = mem_zalloc(sizeof *g);
    dkim_sign_decision d;

    g->p = p;
    if (build_view(g, hdrs, n, why) < 0) {
        d = DKIM_SIGN_ERROR;
    } else {
        d = choose_keys(g, why);
        if (d == DKIM_SIGN_YES && over_limits) {
            *why = "headers over the limits: not signed";
            d = DKIM_SIGN_NO;
        }
        if (d == DKIM_SIGN_YES &&
            dkimcanon_body_new(dkim_policy_body_canon(p), &g->body, why) < 0)
            d = DKIM_SIGN_ERROR;
    }
    if (d != DKIM_SIGN_YES)
        dkim_sign_free(&g);
    *out = g;
    return d;
}

void dkim_sign_body(dkim_sign *g, const void *data, size_t len)
{
    dkimcanon_body_update(g->body, data, len);
}

int dkim_sign_finish(dkim_sign *g, const char *qid, str_t *out, const char **why)
{
    unsigned char bh[DKIMCANON_HASH_LEN];
    size_t start = out->len;

    if (dkimcanon_body_final(g->body, bh, why) < 0)
        return -1;
    for (size_t i = 0; i < g->nsigners; i++) {
        const dkim_signer *k = g->signers[i];
        dkimsign_params_t params;

        dkim_policy_sign_params(g->p, k, &params);
        if (dkimsign_sign(&params, g->view, g->n, bh, out, why) < 0) {
            str_truncate(out, start);
            return -1;
        }
        str_append_char(out, '\0');
        log_q(LOG_INFO, qid, "dkim=signed d=%s s=%s a=%s", k->domain, k->selector,
              dkimkey_alg_name(k->key));
    }
    return 0;
}

void dkim_sign_free(dkim_sign **gp)
{
    dkim_sign *g = *gp;

    if (g == NULL)
        return;
    for (size_t i = 0; i < g->nowned; i++)
        mem_free(&g->owned[i]);
    mem_free(&g->owned);
    mem_free(&g->view);
    dkimcanon_body_free(&g->body);
    mem_free(gp);
}
