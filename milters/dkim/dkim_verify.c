/* dkim_verify.c - verification of one message with libopendkim; see dkim_verify.h. */
#include "config.h"

#include "dkim_verify.h"

#include "core/log.h"
#include "core/mem.h"
#include "dkim/dkimcanon.h"
#include "dkim_tags.h"
#include "dns/dns.h"

#include <inttypes.h>
#include <opendkim/dkim.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Per-signature tag copies kept for the Authentication-Results header. */
#define TAG_MAX 256

struct dkim_verifier {
    DKIM_LIB *lib;
    long max_signatures;
    bool tail_is_policy; /* unsigned_tail = "policy" */
    dkim_key_lookup_fn *lookup;
    void *lookup_ctx;
};

/* What we know of one DKIM-Signature field from its raw value. */
typedef struct rawsig {
    char *b;         /* b= without white space ("" when absent) */
    char *dup;       /* a tag that occurs twice, or NULL */
    bool used;       /* matched to a libopendkim signature */
} rawsig;

/* Our verdict on, and the key lookup of, one signature libopendkim listed. */
typedef struct sigstate {
    DKIM_SIGINFO *sig;
    bool decided;       /* res/reason decided before any key lookup */
    dkim_res res;
    const char *reason; /* static or owned by the vmsg */
    bool looked_up;
    DKIM_CBSTAT lk_rc;  /* what the lookup answered libopendkim */
    dns_status lk_status;
    const char *lk_why; /* static */
    bool lk_permerror;  /* a key answer we refuse (too large, several, ...) */
} sigstate;

struct dkim_vmsg {
    dkim_verifier *vl;
    const char *qid;
    DKIM *dkim;
    bool nosig;           /* libopendkim found no signature at EOH */
    bool all_decided;     /* it found some, and we decided or skipped them all */
    size_t skipped;       /* not evaluated (over max_signatures) */
    rawsig *raw;          /* DKIM-Signature fields, in order */
    size_t nraw;
    sigstate *st;         /* one per signature libopendkim listed */
    size_t nst;
    dkimcanon_body_t *canon[2]; /* simple, relaxed: for l= tails only */
    uint64_t body_len[2];       /* their canonical lengths, after finish */
    dkim_vresult *res;
    size_t nres;
    char **strs; /* owned copies behind res[] and reasons */
    size_t nstrs;
    str_t hdr;   /* scratch: one header in wire form */
    const dns_budget *budget; /* of the key lookups, during dkim_verify_finish */
};

const char *dkim_res_name(dkim_res r)
{
    static const char *const names[] = {"none", "pass", "fail", "neutral",
                                        "policy", "temperror", "permerror"};

    return names[r];
}

static char *own(dkim_vmsg *v, char *s)
{
    v->strs = mem_realloc_array(v->strs, v->nstrs + 1, sizeof *v->strs);
    v->strs[v->nstrs++] = s;
    return s;
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
    return own(v, c);
}

static sigstate *state_of(dkim_vmsg *v, DKIM_SIGINFO *sig)
{
    for (size_t i = 0; i < v->nst; i++)
        if (v->st[i].sig == sig)
            return &v->st[i];
    return NULL;
}

/* A key record we cannot use, whatever libopendkim would make of it. */
static const char *refuse_record(const dns_txts *t)
{
    if (t->count > 1 || (t->count == 1 && t->info.truncated))
        return "several key records (RFC 6376 3.6.2.2)";
    if (memchr(t->rec[0], '\0', t->len[0]) != NULL)
        return "NUL byte in the key record";
    if (dkim_tags_duplicate(t->rec[0], t->len[0], NULL))
        return "a tag occurs twice in the key record (RFC 6376 3.2)";
    return NULL;
}

static DKIM_CBSTAT key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    dkim_vmsg *v = dkim_get_user_context(dkim);
    const char *sel = (const char *)dkim_sig_getselector(sig);
    const char *dom = (const char *)dkim_sig_getdomain(sig);
    sigstate *st = v ? state_of(v, sig) : NULL;
    dns_txts t;
    str_t name;
    DKIM_CBSTAT rc = DKIM_CBSTAT_ERROR;

    if (st == NULL || sel == NULL || dom == NULL)
        return DKIM_CBSTAT_ERROR;
    if (st->looked_up) /* libopendkim asks again after a failure: one query */
        return st->lk_rc;
    memset(&t, 0, sizeof t);
    str_init(&name);
    str_printf(&name, "%s._domainkey.%s", sel, dom);
    st->looked_up = true;
    if (name.len > DNS_MAX_NAME) {
        st->lk_status = DNS_PERMFAIL;
        st->lk_why = "key record name too long";
    } else {
        st->lk_status = v->vl->lookup(v->vl->lookup_ctx, name.buf, v->budget, &t);
        st->lk_why = t.info.why && *t.info.why ? t.info.why : dns_status_name(st->lk_status);
    }
    switch (st->lk_status) {
    case DNS_FOUND:
        if ((st->lk_why = refuse_record(&t)) != NULL) {
            st->lk_permerror = true;
        } else if (t.len[0] + 1 > buflen) {
            st->lk_why = "key record too large";
            st->lk_permerror = true;
        } else {
            memcpy(buf, t.rec[0], t.len[0] + 1);
            rc = DKIM_CBSTAT_CONTINUE;
        }
        break;
    case DNS_NOTFOUND: rc = DKIM_CBSTAT_NOTFOUND; break;
    case DNS_TEMPFAIL: rc = DKIM_CBSTAT_TRYAGAIN; break;
    default: st->lk_permerror = true; break;
    }
    dns_txts_free(&t);
    str_free(&name);
    st->lk_rc = rc;
    return rc;
}

/* The raw field whose b= is the signature's (each used once). */
static rawsig *raw_of(dkim_vmsg *v, DKIM_SIGINFO *sig)
{
    const char *b = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"b");
    str_t sq;
    rawsig *found = NULL;

    str_init(&sq);
    for (const char *p = b ? b : ""; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            str_append_char(&sq, *p);
    for (size_t i = 0; i < v->nraw && found == NULL; i++)
        if (!v->raw[i].used && strcmp(v->raw[i].b, sq.buf ? sq.buf : "") == 0)
            found = &v->raw[i];
    if (found != NULL)
        found->used = true;
    str_free(&sq);
    return found;
}

/* The verdicts that need no key; false when the signature goes on. */
static bool decide_early(dkim_vmsg *v, DKIM_SIGINFO *sig, sigstate *st)
{
    const char *q = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"q");
    dkim_alg_t alg;
    rawsig *raw = raw_of(v, sig);

    st->res = DKIM_RES_PERMERROR;
    if (raw != NULL && raw->dup != NULL) {
        str_t why;

        str_init(&why);
        str_printf(&why, "tag %s= occurs twice (RFC 6376 3.2)", raw->dup);
        st->reason = own(v, str_steal(&why));
        str_free(&why);
    } else if (dkim_sig_geterror(sig) != DKIM_SIGERROR_UNKNOWN) {
        return false; /* libopendkim already knows why it is unusable */
    } else if (dkim_sig_getsignalg(sig, &alg) == DKIM_STAT_OK && alg == DKIM_SIGN_RSASHA1) {
        st->reason = "rsa-sha1 is historic (RFC 8301 3.1)";
    } else if (q != NULL && !dkim_tags_query_ok(q)) {
        st->reason = "no known query method in q= (RFC 6376 3.5)";
    } else {
        return false;
    }
    return true;
}

/* Signatures with l=: the canonical body length under their c= is needed. */
static void want_length(dkim_vmsg *v, DKIM_SIGINFO *sig)
{
    dkim_canon_t hc, bc;
    int k;
    const char *why;

    if (dkim_sig_gettagvalue(sig, false, (u_char *)"l") == NULL ||
        dkim_sig_getcanons(sig, &hc, &bc) != DKIM_STAT_OK)
        return;
    k = bc == DKIM_CANON_SIMPLE ? 0 : 1;
    if (v->canon[k] == NULL &&
        dkimcanon_body_new(k == 0 ? DKIMCANON_SIMPLE : DKIMCANON_RELAXED, &v->canon[k],
                           &why) < 0)
        log_q(LOG_WARNING, v->qid, "dkim=warning reason=\"body length not measured: %s\"", why);
}

static DKIM_CBSTAT prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
    dkim_vmsg *v = dkim_get_user_context(dkim);

    if (v == NULL)
        return DKIM_CBSTAT_ERROR;
    v->st = mem_array(nsigs > 0 ? (size_t)nsigs : 1, sizeof *v->st);
    for (int i = 0; i < nsigs; i++) {
        sigstate *st = &v->st[v->nst++];

        st->sig = sigs[i];
        if (i >= v->vl->max_signatures) {
            dkim_sig_ignore(sigs[i]);
            v->skipped++;
        } else if (decide_early(v, sigs[i], st)) {
            st->decided = true;
            dkim_sig_ignore(sigs[i]); /* no key lookup for it */
        } else {
            want_length(v, sigs[i]);
        }
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
    (*out)->tail_is_policy = s->unsigned_tail == DKIM_TAIL_POLICY;
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

/* Remembers what libopendkim does not tell of a DKIM-Signature value. */
static void note_signature(dkim_vmsg *v, const char *value)
{
    rawsig *r;
    str_t s;

    v->raw = mem_realloc_array(v->raw, v->nraw + 1, sizeof *v->raw);
    r = &v->raw[v->nraw++];
    memset(r, 0, sizeof *r);
    str_init(&s);
    dkim_tags_value(value, strlen(value), "b", &s);
    r->b = s.buf ? str_steal(&s) : mem_strdup("");
    str_free(&s);
    str_init(&s);
    if (dkim_tags_duplicate(value, strlen(value), &s))
        r->dup = mem_strndup(s.buf, DKIM_TAGS_NAME_MAX);
    str_free(&s);
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
        note_signature(v, value);
    return check(v, dkim_header(v->dkim, (u_char *)v->hdr.buf, v->hdr.len), "header");
}

int dkim_verify_eoh(dkim_vmsg *v)
{
    DKIM_STAT st = dkim_eoh(v->dkim);

    /* NOSIG also when prescreen() set every signature aside. */
    if (st == DKIM_STAT_NOSIG && v->nst > 0)
        v->all_decided = true;
    else if (st == DKIM_STAT_NOSIG)
        v->nosig = true;
    return check(v, st, "eoh");
}

int dkim_verify_body(dkim_vmsg *v, const unsigned char *data, size_t len)
{
    if (v->nosig || v->all_decided)
        return 0;
    for (int k = 0; k < 2; k++)
        if (v->canon[k] != NULL)
            dkimcanon_body_update(v->canon[k], data, len);
    return check(v, dkim_body(v->dkim, (u_char *)data, len), "body");
}

static const char *tag(dkim_vmsg *v, DKIM_SIGINFO *sig, const char *t, bool squeeze)
{
    return keep(v, (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)t), squeeze);
}

/* i= decoded (RFC 6376 2.11), or as written when it does not decode to
 * printable ASCII. */
static const char *identity(dkim_vmsg *v, DKIM_SIGINFO *sig)
{
    const char *raw = tag(v, sig, "i", false);
    str_t d;
    bool printable;

    if (raw == NULL)
        return NULL;
    str_init(&d);
    printable = dkim_tags_qp_decode(raw, strlen(raw), &d) == 0 && d.len > 0;
    for (size_t k = 0; printable && k < d.len; k++)
        printable = d.buf[k] >= ' ' && d.buf[k] < 0x7f;
    if (printable)
        raw = own(v, str_steal(&d));
    str_free(&d);
    return raw;
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
static dkim_res classify(const sigstate *st, DKIM_SIGINFO *sig, DKIM_STAT rc,
                         const char **reason)
{
    int err = dkim_sig_geterror(sig);

    if (!tag_is_base64(sig, "bh") || !tag_is_base64(sig, "b")) {
        *reason = "bad base64 in b= or bh=";
        return DKIM_RES_PERMERROR;
    }
    if (st->lk_status == DNS_TEMPFAIL || rc == DKIM_STAT_CBTRYAGAIN) {
        *reason = st->lk_why ? st->lk_why : "key query failed";
        return DKIM_RES_TEMPERROR;
    }
    if (st->lk_permerror) {
        *reason = st->lk_why;
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

/* A pass whose l= leaves a tail of the body unsigned says so in its
 * reason (and is a policy result unless unsigned_tail is "pass"). */
static void check_tail(dkim_vmsg *v, DKIM_SIGINFO *sig, dkim_vresult *r)
{
    const char *l = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"l");
    dkim_canon_t hc, bc;
    uint64_t total, signed_len;
    int k;
    char *end;
    str_t reason;

    if (l == NULL || dkim_sig_getcanons(sig, &hc, &bc) != DKIM_STAT_OK)
        return;
    k = bc == DKIM_CANON_SIMPLE ? 0 : 1;
    if (v->canon[k] == NULL)
        return;
    total = v->body_len[k];
    signed_len = strtoull(l, &end, 10);
    if (*end != '\0' || signed_len >= total)
        return;
    str_init(&reason);
    str_printf(&reason, "l= leaves %" PRIu64 " of %" PRIu64 " body bytes unsigned",
               total - signed_len, total);
    r->reason = own(v, str_steal(&reason));
    str_free(&reason);
    if (v->vl->tail_is_policy)
        r->res = DKIM_RES_POLICY;
}

/* t=y in the key: never a plain pass, never a failure that counts. */
static void check_testing(dkim_vmsg *v, DKIM_SIGINFO *sig, dkim_vresult *r)
{
    str_t reason;

    if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_TESTKEY) == 0)
        return;
    r->testing = true;
    str_init(&reason);
    if (r->res == DKIM_RES_PASS) {
        r->res = DKIM_RES_POLICY;
        str_append_cstr(&reason, "key in testing mode (t=y); the signature verified");
    } else {
        str_printf(&reason, "%s; key in testing mode (t=y)", r->reason ? r->reason : "");
    }
    r->reason = own(v, str_steal(&reason));
    str_free(&reason);
}

static void add_result(dkim_vmsg *v, DKIM_SIGINFO *sig, const sigstate *st, DKIM_STAT rc)
{
    dkim_vresult r = {.reason = NULL};
    const char *b;

    if (st->decided) {
        r.res = st->res;
        r.reason = st->reason;
    } else {
        r.res = classify(st, sig, rc, &r.reason);
        if (r.res == DKIM_RES_PASS)
            check_tail(v, sig, &r);
        check_testing(v, sig, &r);
    }
    r.d = tag(v, sig, "d", false);
    r.i = identity(v, sig);
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
    for (size_t i = 0; i < v->nraw; i++) {
        if ((long)i >= max) {
            v->skipped++;
            continue;
        }
        v->res = mem_realloc_array(v->res, v->nres + 1, sizeof *v->res);
        v->res[v->nres++] = (dkim_vresult){.res = DKIM_RES_PERMERROR,
                                           .reason = "signature syntax error"};
    }
}

/* The canonical body lengths of the canonicalizations l= needs. */
static void measure(dkim_vmsg *v)
{
    unsigned char hash[DKIMCANON_HASH_LEN];
    const char *why;

    for (int k = 0; k < 2; k++) {
        if (v->canon[k] == NULL)
            continue;
        if (dkimcanon_body_final(v->canon[k], hash, &why) < 0) {
            log_q(LOG_WARNING, v->qid, "dkim=warning reason=\"body length not measured: %s\"",
                  why);
            dkimcanon_body_free(&v->canon[k]);
            continue;
        }
        v->body_len[k] = dkimcanon_body_length(v->canon[k]);
    }
}

int dkim_verify_finish(dkim_vmsg *v, const dns_budget *budget, const dkim_vresult **res,
                       size_t *n, size_t *skipped)
{
    v->budget = budget;
    if (v->nosig) {
        add_unparsed(v, v->vl->max_signatures);
    } else {
        if (!v->all_decided && check(v, dkim_eom(v->dkim, NULL), "eom") < 0)
            return -1;
        measure(v);
        /* v->st: libopendkim's signature list, as prescreen() saw it */
        for (size_t i = 0; i < v->nst; i++) {
            sigstate *st = &v->st[i];
            DKIM_STAT rc = DKIM_STAT_OK;

            if (!st->decided && (dkim_sig_getflags(st->sig) & DKIM_SIGFLAG_IGNORE))
                continue; /* over max_signatures */
            if (!st->decided)
                rc = dkim_sig_process(v->dkim, st->sig);
            if (rc == DKIM_STAT_INTERNAL || rc == DKIM_STAT_NORESOURCE) {
                log_q(LOG_ERR, v->qid, "dkim=error reason=\"libopendkim: %s\"",
                      dkim_getresultstr(rc));
                return -1;
            }
            add_result(v, st->sig, st, rc);
        }
    }
    v->budget = NULL;
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
    for (size_t i = 0; i < v->nraw; i++) {
        mem_free(&v->raw[i].b);
        mem_free(&v->raw[i].dup);
    }
    mem_free(&v->raw);
    mem_free(&v->st);
    for (int k = 0; k < 2; k++)
        dkimcanon_body_free(&v->canon[k]);
    for (size_t i = 0; i < v->nstrs; i++)
        mem_free(&v->strs[i]);
    mem_free(&v->strs);
    mem_free(&v->res);
    str_free(&v->hdr);
    mem_free(vp);
}
