/* dkim_sign.c - the signing path of one message; see dkim_sign.h. */
#include "config.h"

#include "dkim_sign.h"

#include "core/log.h"
#include "core/mem.h"
#include "dkim/dkimcanon.h"
#include "dkim/dkimnorm.h"
#include "dkim/dkimsign.h"
#include "mail/addr.h"

#include <string.h>
#include <strings.h>

struct dkim_sign {
    dkim_policy *p;
    dkimsign_header_t *view; /* the headers as they will leave */
    size_t n;
    dkim_sign_edit *edits;   /* values owned */
    size_t nedits;
    const dkim_signer *signers[DKIM_SIGN_MAX_SIGNERS];
    size_t nsigners;
    dkimcanon_body_t *body;
    dkimnorm_t norm;
    str_t chunk;      /* scratch: one chunk, normalized */
    str_t kept;       /* the normalized body from its start, while keeping */
    bool keeping;
    bool unkept_fix;  /* a bare CR or LF where the body was no longer kept */
    size_t max_keep;
};

const char *dkim_sign_decision_name(dkim_sign_decision d)
{
    static const char *const names[] = {"yes", "no", "unsignable", "error"};

    return names[d];
}

/* The view: every field, those the masquerade rewrite covers rewritten. */
static int build_view(dkim_sign *g, const hdrfield *hdrs, size_t n, str_t *why)
{
    g->view = mem_array(n ? n : 1, sizeof *g->view);
    g->edits = mem_array(n ? n : 1, sizeof *g->edits);
    g->n = n;
    for (size_t i = 0; i < n; i++) {
        const char *err = NULL;
        str_t out;
        int rc;

        str_init(&out);
        rc = dkim_policy_masquerade(g->p, hdrs[i].name, hdrs[i].value, &out, &err);
        g->view[i].name = hdrs[i].name;
        g->view[i].value = hdrs[i].value;
        if (rc == 1) {
            dkim_sign_edit *e = &g->edits[g->nedits++];

            e->name = hdrs[i].name;
            e->index = hdrfields_index(hdrs, i);
            e->old_value = hdrs[i].value;
            e->new_value = str_steal(&out);
            g->view[i].value = e->new_value;
        }
        str_free(&out);
        if (rc < 0) {
            str_printf(why, "masquerade rewrite of %s failed: %s", hdrs[i].name,
                       err ? err : "?");
            return -1;
        }
    }
    return 0;
}

/* The one From field of the view; NULL (why set) when none or several. */
static const char *single_from(const dkim_sign *g, str_t *why)
{
    const char *from = NULL;
    size_t count = 0;

    for (size_t i = 0; i < g->n; i++)
        if (strcasecmp(g->view[i].name, "From") == 0) {
            from = g->view[i].value;
            count++;
        }
    if (count == 1)
        return from;
    if (count == 0)
        str_append_cstr(why, "no From field");
    else
        str_printf(why, "%zu From fields", count);
    return NULL;
}

/* Adds the keys of one domain (each signer once); false when it has none. */
static bool add_signers(dkim_sign *g, const char *dom, size_t len, str_t *why, bool *full)
{
    const dkim_signer *found[DKIM_POLICY_MAX_SIGNERS];
    size_t n = dkim_policy_signers(g->p, dom, len, found);

    for (size_t k = 0; k < n; k++) {
        bool have = false;

        for (size_t j = 0; j < g->nsigners; j++)
            have |= g->signers[j] == found[k];
        if (have)
            continue;
        if (g->nsigners == DKIM_SIGN_MAX_SIGNERS) {
            if (!*full)
                str_printf(why, "more than %d signatures needed for the From domains",
                           DKIM_SIGN_MAX_SIGNERS);
            *full = true;
            break;
        }
        g->signers[g->nsigners++] = found[k];
    }
    return n > 0;
}

/* The domain of e without a trailing dot; "" when unusable (why set). */
static bool mailbox_domain(const char *from, const addr_entry *e, addr_span *d, str_t *why)
{
    if (e->is_null || !e->has_domain) {
        str_append_cstr(why, "a From mailbox without a domain");
        return false;
    }
    if (e->domain_literal) {
        str_append_cstr(why, "a domain literal in From");
        return false;
    }
    *d = e->domain;
    if (d->len > 0 && from[d->off + d->len - 1] == '.')
        d->len--;
    return true;
}

/* Whether domain d of from was already seen among l.v[0..i). */
static bool seen_domain(const char *from, const addr_list *l, size_t i, addr_span d)
{
    for (size_t j = 0; j < i; j++) {
        addr_span o = l->v[j].domain;

        if (o.len > 0 && from[o.off + o.len - 1] == '.')
            o.len--;
        if (o.len == d.len && strncasecmp(from + o.off, from + d.off, d.len) == 0)
            return true;
    }
    return false;
}

static dkim_sign_decision choose_keys(dkim_sign *g, str_t *why)
{
    const char *from = single_from(g, why), *err = NULL;
    addr_list l;
    str_t missing, have;
    bool full = false;
    dkim_sign_decision d = DKIM_SIGN_UNSIGNABLE;

    if (from == NULL)
        return DKIM_SIGN_UNSIGNABLE;
    addr_list_init(&l);
    str_init(&missing);
    str_init(&have);
    if (addr_parse_list(from, strlen(from), &l, &err) < 0) {
        str_printf(why, "From: %s", err ? err : "malformed");
        goto out;
    }
    if (l.groups > 0 || l.n == 0) {
        str_append_cstr(why, l.groups > 0 ? "a group in From" : "no mailbox in From");
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        addr_span dom;

        if (!mailbox_domain(from, &l.v[i], &dom, why))
            goto out;
        if (seen_domain(from, &l, i, dom))
            continue;
        if (add_signers(g, from + dom.off, dom.len, why, &full)) {
            str_printf(&have, "%s%.*s", have.len ? ", " : "", (int)dom.len, from + dom.off);
            continue;
        }
        str_printf(&missing, "%s%.*s", missing.len ? ", " : "", (int)dom.len, from + dom.off);
        if (dkim_policy_exposed_user(g->p, from + l.v[i].local.off, l.v[i].local.len))
            str_printf(&missing, " (%.*s is an exposed user: not masqueraded)",
                       (int)l.v[i].local.len, from + l.v[i].local.off);
    }
    if (full)
        goto out;
    if (have.len == 0) {
        str_printf(why, "no key for %s", missing.buf);
        d = DKIM_SIGN_NO;
    } else if (missing.len > 0) {
        str_printf(why, "From has mailboxes of %s (keys) and %s (no key)", have.buf,
                   missing.buf);
    } else {
        d = DKIM_SIGN_YES;
    }
out:
    addr_list_free(&l);
    str_free(&missing);
    str_free(&have);
    return d;
}

dkim_sign_decision dkim_sign_prepare(dkim_policy *p, const hdrfield *hdrs, size_t n,
                                     bool over_limits, dkim_sign **out, str_t *why)
{
    dkim_sign *g = mem_zalloc(sizeof *g);
    const dkim_settings *s = dkim_policy_settings(p);
    const char *err = NULL;
    dkim_sign_decision d;

    g->p = p;
    str_init(&g->chunk);
    str_init(&g->kept);
    dkimnorm_init(&g->norm);
    g->keeping = true;
    g->max_keep = (size_t)s->max_body_rewrite;
    if (over_limits) {
        str_printf(why, "header fields over the limits (max_headers %ld, max_header_size %ld)",
                   s->max_headers, s->max_header_size);
        d = DKIM_SIGN_UNSIGNABLE;
    } else if (build_view(g, hdrs, n, why) < 0) {
        d = DKIM_SIGN_ERROR;
    } else {
        d = choose_keys(g, why);
        if (d == DKIM_SIGN_YES && dkimcanon_body_new(dkim_policy_body_canon(p), &g->body, &err) < 0) {
            str_append_cstr(why, err);
            d = DKIM_SIGN_ERROR;
        }
    }
    if (d != DKIM_SIGN_YES)
        dkim_sign_free(&g);
    *out = g;
    return d;
}

const dkim_sign_edit *dkim_sign_edits(const dkim_sign *g, size_t *n)
{
    *n = g->nedits;
    return g->edits;
}

void dkim_sign_domains(const dkim_sign *g, str_t *out)
{
    for (size_t i = 0; i < g->nsigners; i++) {
        bool dup = false;

        for (size_t j = 0; j < i; j++)
            dup |= strcasecmp(g->signers[j]->domain, g->signers[i]->domain) == 0;
        if (!dup)
            str_printf(out, "%s%s", out->len ? "," : "", g->signers[i]->domain);
    }
}

/* Hashes the normalized bytes in g->chunk and keeps them while it can. */
static void take_chunk(dkim_sign *g)
{
    dkimcanon_body_update(g->body, g->chunk.buf, g->chunk.len);
    if (!g->keeping) {
        g->unkept_fix |= dkimnorm_changes(&g->norm) > 0;
        return;
    }
    if (g->kept.len + g->chunk.len > g->max_keep) {
        g->keeping = false;
        g->unkept_fix = dkimnorm_changes(&g->norm) > 0;
        str_free(&g->kept);
        return;
    }
    str_append(&g->kept, g->chunk.buf, g->chunk.len);
}

void dkim_sign_body(dkim_sign *g, const void *data, size_t len)
{
    str_clear(&g->chunk);
    dkimnorm_update(&g->norm, data, len, &g->chunk);
    take_chunk(g);
}

dkim_sign_decision dkim_sign_finish(dkim_sign *g, const char *qid, str_t *out, str_t *why)
{
    unsigned char bh[DKIMCANON_HASH_LEN];
    size_t start = out->len;
    const char *err = NULL;

    str_clear(&g->chunk);
    dkimnorm_final(&g->norm, &g->chunk);
    take_chunk(g);
    if (g->unkept_fix) {
        str_printf(why, "the body has a bare CR or LF and is over max_body_rewrite (%zu "
                        "bytes): it cannot be rewritten to be signed", g->max_keep);
        return DKIM_SIGN_UNSIGNABLE;
    }
    if (dkimcanon_body_final(g->body, bh, &err) < 0) {
        str_append_cstr(why, err);
        return DKIM_SIGN_ERROR;
    }
    for (size_t i = 0; i < g->nsigners; i++) {
        const dkim_signer *k = g->signers[i];
        dkimsign_params_t params;

        dkim_policy_sign_params(g->p, k, &params);
        if (dkimsign_sign(&params, g->view, g->n, bh, out, &err) < 0) {
            str_truncate(out, start);
            str_append_cstr(why, err);
            return DKIM_SIGN_ERROR;
        }
        str_append_char(out, '\0');
        log_q(LOG_INFO, qid, "dkim=signed d=%s s=%s a=%s", k->domain, k->selector,
              dkimkey_alg_name(k->key));
    }
    return DKIM_SIGN_YES;
}

const str_t *dkim_sign_new_body(const dkim_sign *g, uint64_t *fixes)
{
    *fixes = dkimnorm_changes(&g->norm);
    return *fixes > 0 && g->keeping ? &g->kept : NULL;
}

void dkim_sign_free(dkim_sign **gp)
{
    dkim_sign *g = *gp;

    if (g == NULL)
        return;
    for (size_t i = 0; i < g->nedits; i++)
        mem_free(&g->edits[i].new_value);
    mem_free(&g->edits);
    mem_free(&g->view);
    dkimcanon_body_free(&g->body);
    str_free(&g->chunk);
    str_free(&g->kept);
    mem_free(gp);
}
