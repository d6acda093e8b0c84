/* dkim_verify.c - verification of one message with libopendkim; see dkim_verify.h. */
#include "config.h"

#include "dkim_verify.h"

#include "dns/dns.h"
#include "core/log.h"
#include "core/mem.h"

#include <opendkim/dkim.h>
#include <string.h>
#include <strings.h>

/* Per-signature tag copies kept for the Authentication-Results header. */
#define TAG_MAX 256

struct dkim_verifier {
    DKIM_LIB *lib;
    long max_signatures;
    dkim_key_lookup_fn *lookup;
    void *lookup_ctx;
};

struct dkim_vmsg {
    dkim_verifier *vl;
    const char *qid;
    DKIM *dkim;
    bool nosig;           /* libopendkim found no signature at EOH */
    size_t sig_headers;   /* DKIM-Signature fields seen */
    size_t skipped;       /* not evaluated (over max_signatures) */
    /* the key lookup of the signature being processed */
    dns_status lk_status;
    const char *lk_why;
    bool lk_toobig;
    dkim_vresult *res;
    size_t nres;
    char **strs; /* owned copies behind res[] */
    size_t nstrs;
    str_t hdr;   /* scratch: one header in wire form */
};

const char *dkim_res_name(dkim_res r)
{
    static const char *const names[] = {"none", "pass", "fail", "neutral",
                                        "policy", "temperror", "permerror"};

    return names[r];
}

static DKIM_CBSTAT key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    dkim_vmsg *v = dkim_get_user_context(dkim);
    const char *sel = (const char *)dkim_sig_getselector(sig);
    const char *dom = (const char *)dkim_sig_getdomain(sig);
    str_t name, txt;
    DKIM_CBSTAT rc;

    if (v == NULL || sel == NULL || dom == NULL)
        return DKIM_CBSTAT_ERROR;
    str_init(&name);
    str_init(&txt);
    str_printf(&name, "%s._domainkey.%s", sel, dom);
    if (name.len > DNS_MAX_NAME) {
        v->lk_status = DNS_PERMFAIL;
        v->lk_why = "key record name too long";
    } else {
        v->lk_status = v->vl->lookup(v->vl->lookup_ctx, name.buf, &txt, &v->lk_why);
    }
    switch (v->lk_status) {
    case DNS_FOUND:
        if (txt.len + 1 > buflen || memchr(txt.buf, '\0', txt.len) != NULL) {
            v->lk_toobig = true;
            rc = DKIM_CBSTAT_ERROR;
            break;
        }
        memcpy(buf, txt.buf, txt.len + 1);
        rc = DKIM_CBSTAT_CONTINUE;
        break;
    case DNS_NOTFOUND: rc = DKIM_CBSTAT_NOTFOUND; break;
    case DNS_TEMPFAIL: rc = DKIM_CBSTAT_TRYAGAIN; break;
    default: rc = DKIM_CBSTAT_ERROR; break;
    }
    str_free(&name);
    str_free(&txt);
    return rc;
}

static DKIM_CBSTAT prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
    dkim_vmsg *v = dkim_get_user_context(dkim);
    long max = v ? v->vl->max_signatures : 5;

    for (int i = (int)max; i < nsigs; i++) {
        dkim_sig_ignore(sigs[i]);
        if (v != NULL)
            v->skipped++;
    }
    return DKIM_CBSTAT_CONTINUE;
}

int dkim_verifier_new(const dkim_settings *s, dkim_key_lookup_fn *lookup, void *lookup_ctx,
                      dkim_verifier **out, str_t *errors)
{
    DKIM_LIB *l = dkim_init(NULL, NULL);
    uint32_t flags = DKIM_LIBFLAGS_DELAYSIGPROC | DKIM_LIBFLAGS_BADSIGHANDLES;
    unsigned bits = (unsigned)s->min_key_bits;

    if (l == NULL) {
        str_append_cstr(errors, "dkim: libopendkim initialisation failed\n");
        return -1;
    }
    if (dkim_options(l, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) != DKIM_STAT_OK ||
        dkim_options(l, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &bits, sizeof bits) !=
            DKIM_STAT_OK ||
        dkim_set_key_lookup(l, key_lookup) != DKIM_STAT_OK ||
        dkim_set_prescreen(l, prescreen) != DKIM_STAT_OK) {
        dkim_close(l);
        str_append_cstr(errors, "dkim: cannot set libopendkim options\n");
        return -1;
    }
    *out = mem_zalloc(sizeof **out);
    (*out)->lib = l;
    (*out)->max_signatures = s->max_signatures;
    (*out)->lookup = lookup;
    (*out)->lookup_ctx = lookup_ctx;
    return 0;
}

void dkim_verifier_free(dkim_verifier **vl)
{
    if (*vl == NULL)
        return;
    dkim_close((*vl)->lib);
    mem_free(vl);
}

dkim_vmsg *dkim_verify_start(dkim_verifier *vl, const char *qid)
{
    dkim_vmsg *v = mem_zalloc(sizeof *v);
    DKIM_STAT st = DKIM_STAT_OK;

    v->vl = vl;
    v->qid = qid;
    str_init(&v->hdr);
    v->dkim = dkim_verify(vl->lib, (const unsigned char *)(*qid ? qid : "-"),
                          NULL, &st);
    if (v->dkim == NULL || dkim_set_user_context(v->dkim, v) != DKIM_STAT_OK) {
        log_q(LOG_ERR, qid, "dkim=error reason=\"libopendkim: %s\"", dkim_getresultstr(st));
        dkim_verify_free(&v);
        return NULL;
    }
    return v;
}

static int check(dkim_vmsg *v, DKIM_STAT st, const char *step)
{
    if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG || st == DKIM_STAT_SYNTAX ||
        st == DKIM_STAT_BADSIG || st == DKIM_STAT_CANTVRFY || st == DKIM_STAT_NOKEY ||
        st == DKIM_STAT_REVOKED || st == DKIM_STAT_KEYFAIL)
        return 0;
    log_q(LOG_ERR, v->qid, "dkim=error step=%s reason=\"libopendkim: %s\"", step,
          dkim_getresultstr(st));
    return -1;
}

int dkim_verify_header(dkim_vmsg *v, const char *name, const char *value)
{
    str_clear(&v->hdr);
    str_append_cstr(&v->hdr, name);
    str_append_char(&v->hdr, ':');
    for (const char *s = value; *s; s++) {
        if (*s == '\n' && (s == value || s[-1] != '\r'))
            str_append_char(&v->hdr, '\r');
        str_append_char(&v->hdr, *s);
    }
    if (strcasecmp(name, "DKIM-Signature") == 0)
        v->sig_headers++;
    return check(v, dkim_header(v->dkim, (u_char *)v->hdr.buf, v->hdr.len), "header");
}

int dkim_verify_eoh(dkim_vmsg *v)
{
    DKIM_STAT st = dkim_eoh(v->dkim);

    if (st == DKIM_STAT_NOSIG)
        v->nosig = true;
    return check(v, st, "eoh");
}

int dkim_verify_body(dkim_vmsg *v, const unsigned char *data, size_t len)
{
    if (v->nosig)
        return 0;
    return check(v, dkim_body(v->dkim, (u_char *)data, len), "body");
}

static const char *keep(dkim_vmsg *v, const char *s, bool squeeze)
{
    char *c;
    size_t n = 0;

    if (s == NULL)
        return NULL;
    c = mem_strndup(s, TAG_MAX);
    if (squeeze) { /* b= without its folding whitespace */
        for (char *r = c; *r; r++)
            if (*r != ' ' && *r != '\t' && *r != '\r' && *r != '\n')
                c[n++] = *r;
        c[n] = '\0';
    }
    v->strs = mem_realloc_array(v->strs, v->nstrs + 1, sizeof *v->strs);
    v->strs[v->nstrs++] = c;
    return c;
}

static const char *tag(dkim_vmsg *v, DKIM_SIGINFO *sig, const char *t, bool squeeze)
{
    return keep(v, (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)t), squeeze);
}

/* Whether tag t of sig is base64 with folding white space (RFC 6376 3.5);
 * libopendkim skips bad characters in bh=. */
static bool tag_is_base64(DKIM_SIGINFO *sig, const char *t)
{
    const char *v = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)t);

    return v == NULL || v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789+/= \t\r\n")] == '\0';
}

/* RFC 6376 result of one processed signature. */
static dkim_res classify(dkim_vmsg *v, DKIM_SIGINFO *sig, DKIM_STAT st, const char **reason)
{
    int err = dkim_sig_geterror(sig);

    if (!tag_is_base64(sig, "bh") || !tag_is_base64(sig, "b")) {
        *reason = "bad base64 in b= or bh=";
        return DKIM_RES_PERMERROR;
    }

    if (v->lk_status == DNS_TEMPFAIL || st == DKIM_STAT_CBTRYAGAIN) {
        *reason = v->lk_why ? v->lk_why : "key query failed";
        return DKIM_RES_TEMPERROR;
    }
    if (v->lk_toobig) {
        *reason = "key record too large";
        return DKIM_RES_PERMERROR;
    }
    if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PASSED) && dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH &&
        err == DKIM_SIGERROR_OK)
        return DKIM_RES_PASS;
    if ((err == DKIM_SIGERROR_OK || err == DKIM_SIGERROR_BADSIG) &&
        dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH) {
        *reason = "body hash did not verify";
        return DKIM_RES_FAIL;
    }
    switch (err) {
    case DKIM_SIGERROR_OK:
        *reason = "signature not verified";
        return DKIM_RES_PERMERROR;
    case DKIM_SIGERROR_BADSIG:
        *reason = "signature did not verify";
        return DKIM_RES_FAIL;
    case DKIM_SIGERROR_KEYFAIL:
        *reason = "key query failed";
        return DKIM_RES_TEMPERROR;
    case DKIM_SIGERROR_EXPIRED:
    case DKIM_SIGERROR_FUTURE:
    case DKIM_SIGERROR_KEYTOOSMALL:
        *reason = dkim_sig_geterrorstr(err);
        return DKIM_RES_POLICY;
    default:
        *reason = dkim_sig_geterrorstr(err);
        if (*reason == NULL)
            *reason = "unusable signature";
        return DKIM_RES_PERMERROR;
    }
}

static void add_result(dkim_vmsg *v, DKIM_SIGINFO *sig, DKIM_STAT st)
{
    dkim_vresult r = {.reason = NULL};
    const char *b;

    r.res = classify(v, sig, st, &r.reason);
    r.d = tag(v, sig, "d", false);
    r.i = tag(v, sig, "i", false);
    r.a = tag(v, sig, "a", false);
    r.s = tag(v, sig, "s", false);
    b = tag(v, sig, "b", true);
    r.b8 = b ? keep(v, b, false) : NULL;
    if (r.b8 != NULL && strlen(r.b8) > 8)
        ((char *)r.b8)[8] = '\0';
    v->res = mem_realloc_array(v->res, v->nres + 1, sizeof *v->res);
    v->res[v->nres++] = r;
}

/* DKIM-Signature fields libopendkim could not even list: permerror each. */
static void add_unparsed(dkim_vmsg *v, long max)
{
    for (size_t i = 0; i < v->sig_headers; i++) {
        if ((long)i >= max) {
            v->skipped++;
            continue;
        }
        v->res = mem_realloc_array(v->res, v->nres + 1, sizeof *v->res);
        v->res[v->nres++] = (dkim_vresult){.res = DKIM_RES_PERMERROR,
                                           .reason = "signature syntax error"};
    }
}

int dkim_verify_finish(dkim_vmsg *v, const dkim_vresult **res, size_t *n, size_t *skipped)
{
    DKIM_SIGINFO **sigs = NULL;
    int nsigs = 0;
    long max = v->vl->max_signatures;

    if (v->nosig) {
        add_unparsed(v, max);
    } else {
        if (check(v, dkim_eom(v->dkim, NULL), "eom") < 0)
            return -1;
        if (dkim_getsiglist(v->dkim, &sigs, &nsigs) != DKIM_STAT_OK)
            nsigs = 0;
        for (int i = 0; i < nsigs; i++) {
            DKIM_STAT st;

            if (dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_IGNORE)
                continue;
            v->lk_status = DNS_FOUND;
            v->lk_why = NULL;
            v->lk_toobig = false;
            st = dkim_sig_process(v->dkim, sigs[i]);
            if (st == DKIM_STAT_INTERNAL || st == DKIM_STAT_NORESOURCE) {
                log_q(LOG_ERR, v->qid, "dkim=error reason=\"libopendkim: %s\"",
                      dkim_getresultstr(st));
                return -1;
            }
            add_result(v, sigs[i], st);
        }
    }
    *res = v->res;
    *n = v->nres;
    *skipped = v->skipped;
    return 0;
}

void dkim_verify_free(dkim_vmsg **vp)
{
    dkim_vmsg *v = *vp;

    if (v == NULL)
        return;
    if (v->dkim != NULL)
        dkim_free(v->dkim);
    for (size_t i = 0; i < v->nstrs; i++)
        mem_free(&v->strs[i]);
    mem_free(&v->strs);
    mem_free(&v->res);
    str_free(&v->hdr);
    mem_free(vp);
}
