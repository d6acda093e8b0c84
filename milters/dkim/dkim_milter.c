/* dkim_milter.c - libmilter callbacks of milterkit-dkim; see dkim_milter.h. */
#include "config.h"

#include "dkim_milter.h"

#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"
#include "dkim_ar.h"
#include "dkim_auth.h"
#include "dkim_policy.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "milter/macros.h"
#include "milter/milterconn.h"
#include "milter/reply.h"
#include "milter/origin.h"

#include <stdatomic.h>
#include <string.h>
#include <strings.h>

/* Authentication-Results fields of ours remembered for deletion. */
#define DK_MAX_AR 1000
/* Bytes of a HELO argument kept (RFC 5321 allows 512 for the whole line). */
#define DK_HELO_MAX 1024

/* What end of headers decided: nothing yet, sign, verify, trusted mail left
 * unsigned for a legitimate reason, or trusted mail we cannot sign. */
typedef enum dk_mode { DK_NONE, DK_SIGN, DK_VERIFY, DK_UNSIGNED, DK_UNSIGNABLE } dk_mode;

/* Where the message is in the protocol: before end of headers, after it. */
typedef enum dk_stage { DK_HEADERS, DK_BODY } dk_stage;

typedef struct dk_msg {
    milterconn_msg head; /* config snapshot, origin */
    hdrfield *hdrs; /* values with their leading space, folds as received */
    size_t nhdrs;
    bool over_limits;   /* a field was too large, or too many fields */
    int nar;            /* Authentication-Results fields seen */
    int *ours;          /* their indices (from 1) carrying our authserv-id */
    size_t nours;
    dk_mode mode;
    dk_stage stage;
    const char *order;  /* a step out of protocol order (static), or NULL */
    char *why;          /* DK_UNSIGNABLE: why (owned) */
    bool failed;        /* internal error: dkim.on_error at EOM */
    bool ar_overflow;   /* more of our A-R fields than we can remember: tempfail */
    dkim_sign *sign;
    dkim_vmsg *verify;
    dkim_auth auth;     /* SPF, DMARC: untrusted mail only */
} dk_msg;

typedef struct dk_conn {
    milterconn head; /* client address */
    bool leadspc;
    bool chgbody;          /* the MTA lets us replace the body */
    bool quarantine;       /* the MTA lets us quarantine (SMFIF_QUARANTINE) */
    unsigned long noreply; /* SMFIP_NR_* the MTA agreed to */
    char *helo;            /* the last HELO/EHLO argument, or NULL */
    dk_msg msg;
} dk_conn;

/*
 * After SMFIC_QUIT_NC libmilter calls xxfi_close, then xxfi_connect for the
 * next session on the same milter connection WITHOUT negotiating again: the
 * connection state we freed in close is rebuilt from the protocol flags of
 * the last negotiation (the MTA's offer does not change between sessions).
 */
#define DK_PFLAGS_VALID 0x80000000UL
/* Kept with them: SMFIF_CHGBODY / SMFIF_QUARANTINE were agreed (actions,
 * not protocol flags). */
#define DK_PFLAGS_CHGBODY 0x40000000UL
#define DK_PFLAGS_QUARANTINE 0x20000000UL
static atomic_ulong last_pflags;

static dkim_policy *policy(const dk_msg *m)
{
    return milterconn_runtime(&m->head);
}

static const dkim_settings *settings(const dk_msg *m)
{
    return milterconn_settings(&m->head);
}

static void msg_end(void *msg)
{
    dk_msg *m = msg;

    hdrfields_free(&m->hdrs, &m->nhdrs);
    mem_free(&m->ours);
    mem_free(&m->why);
    dkim_sign_free(&m->sign);
    dkim_verify_free(&m->verify);
    dkim_auth_end(&m->auth);
}

static void conn_end(void *conn)
{
    mem_free(&((dk_conn *)conn)->helo);
}

/* The reply of a callback that never refuses: none at all when the MTA
 * agreed (fewer round trips per message), else "continue". */
static sfsistat go_on(const dk_conn *c, unsigned long nr_flag)
{
    return c != NULL && (c->noreply & nr_flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static void set_pflags(dk_conn *c, unsigned long pflags)
{
    c->leadspc = (pflags & SMFIP_HDR_LEADSPC) != 0;
    c->chgbody = (pflags & DK_PFLAGS_CHGBODY) != 0;
    c->quarantine = (pflags & DK_PFLAGS_QUARANTINE) != 0;
    c->noreply = pflags & DKIM_MILTER_NOREPLY;
}

static const milterconn_class dk_class = {
    .size = sizeof(dk_conn),
    .msg_offset = offsetof(dk_conn, msg),
    .msg_size = sizeof(dk_msg),
    .msg_end = msg_end,
    .conn_end = conn_end,
};

/* A connection state made by connect without a negotiation before it (the
 * next session after SMFIC_QUIT_NC, whose negotiation libmilter keeps but
 * does not tell): the header spacing of the last negotiation (the MTA's
 * offer does not change between its sessions), and a reply to every step.
 * Which no-reply flags this connection agreed to is unknown, and a missing
 * reply leaves the MTA waiting, while libmilter turns a reply it must not
 * send into none. */
static void restore_pflags(dk_conn *c)
{
    unsigned long last = atomic_load(&last_pflags);

    if (last & DK_PFLAGS_VALID)
        set_pflags(c, last);
    c->noreply = 0;
}

static sfsistat dk_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    dk_conn *c;
    unsigned long kept;
    (void)f2;
    (void)f3;

    if ((f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS)) != (SMFIF_ADDHDRS | SMFIF_CHGHDRS)) {
        log_msg(LOG_ERR, "the MTA cannot add and change headers (actions 0x%lx): "
                         "milterkit-dkim needs both", f0);
        return SMFIS_REJECT;
    }
    /* Replacing the body is needed only for bodies with a bare CR or LF;
     * quarantine only for dkim.dmarc's "quarantine" action. */
    *pf0 = (SMFIF_ADDHDRS | SMFIF_CHGHDRS) | (f0 & (SMFIF_CHGBODY | SMFIF_QUARANTINE));
    *pf1 = DKIM_MILTER_PROTOCOL & f1;
    *pf2 = *pf3 = 0;
    c = milterconn_open(ctx, &dk_class, NULL);
    kept = *pf1 | ((f0 & SMFIF_CHGBODY) ? DK_PFLAGS_CHGBODY : 0) |
           ((f0 & SMFIF_QUARANTINE) ? DK_PFLAGS_QUARANTINE : 0);
    set_pflags(c, kept);
    atomic_store(&last_pflags, kept | DK_PFLAGS_VALID);
    if (macros_request(ctx, MACROS_DKIM) < 0)
        log_msg(LOG_WARNING, "libmilter refused the macro lists: the MTA sends its defaults");
    return SMFIS_CONTINUE;
}

static sfsistat dk_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    bool fresh;
    dk_conn *c = milterconn_connect(ctx, &dk_class, addr, &fresh);
    (void)host;

    if (fresh)
        restore_pflags(c);
    return go_on(c, SMFIP_NR_CONN);
}

/* The client's HELO/EHLO argument (a client may send it again, e.g.
 * after STARTTLS: the last one counts), for SPF. */
static sfsistat dk_helo(SMFICTX *ctx, char *name)
{
    dk_conn *c = milterconn_get(ctx);

    if (c == NULL)
        return SMFIS_CONTINUE;
    mem_free(&c->helo);
    if (name != NULL)
        c->helo = mem_strndup(name, DK_HELO_MAX);
    return go_on(c, SMFIP_NR_HELO);
}

static sfsistat dk_envfrom(SMFICTX *ctx, char **argv)
{
    dk_conn *c = milterconn_get(ctx);
    dk_msg *m = milterconn_msg_begin(ctx, &dk_class);

    if (m == NULL)
        return SMFIS_TEMPFAIL; /* no connection state or no config: cannot happen */
    /* SPF now, while the client sends the rest (no reply is awaited). */
    if (!origin_is_trusted(m->head.origin))
        dkim_auth_begin(&m->auth, policy(m), c->head.has_client ? &c->head.client : NULL,
                        c->helo, argv != NULL ? argv[0] : NULL);
    return go_on(c, SMFIP_NR_MAIL);
}

static void note_ar(dk_msg *m, const char *value)
{
    const site_settings *site = dkim_policy_site(policy(m));

    m->nar++;
    if (site->authserv_id == NULL || !dkim_ar_is_ours(value, site->authserv_id))
        return;
    if (m->nours == DK_MAX_AR) {
        m->ar_overflow = true; /* cannot remove them all: never let one through */
        return;
    }
    m->ours = mem_realloc_array(m->ours, m->nours + 1, sizeof *m->ours);
    m->ours[m->nours++] = m->nar;
}

static sfsistat dk_header(SMFICTX *ctx, char *name, char *value)
{
    dk_conn *c = milterconn_get(ctx);
    dk_msg *m = milterconn_msg_get(ctx, &dk_class);
    const dkim_settings *s;
    char *v;

    if (m == NULL)
        return go_on(c, SMFIP_NR_HDR);
    if (m->stage != DK_HEADERS) {
        m->order = m->order ? m->order : "a header field after end of headers";
        return go_on(c, SMFIP_NR_HDR);
    }
    s = settings(m);
    if (strcasecmp(name, DKIM_AR_HEADER) == 0)
        note_ar(m, value);
    /* Every From field, for DMARC, whatever the limits below keep. */
    if (strcasecmp(name, "From") == 0 && !origin_is_trusted(m->head.origin))
        dkim_auth_from(&m->auth, value, (size_t)s->max_headers,
                       (size_t)s->max_header_size);
    if (m->nhdrs >= (size_t)s->max_headers ||
        strlen(name) + strlen(value) > (size_t)s->max_header_size) {
        m->over_limits = true;
        return go_on(c, SMFIP_NR_HDR);
    }
    if (c->leadspc) {
        v = mem_strdup(value);
    } else { /* the MTA dropped the space after the colon: put the usual one back */
        size_t n = strlen(value);

        v = mem_alloc(n + 2);
        v[0] = ' ';
        memcpy(v + 1, value, n + 1);
    }
    hdrfields_add(&m->hdrs, &m->nhdrs, name, v);
    return go_on(c, SMFIP_NR_HDR);
}

/* Starts the verifier and feeds it the headers as received. */
static void start_verify(SMFICTX *ctx, dk_msg *m)
{
    const char *qid = milterconn_qid(ctx);

    m->mode = DK_VERIFY;
    if (m->over_limits)
        return; /* reported as not evaluated */
    m->verify = dkim_verify_start(dkim_policy_verifier(policy(m)), qid);
    if (m->verify == NULL) {
        m->failed = true;
        return;
    }
    for (size_t i = 0; i < m->nhdrs && !m->failed; i++)
        if (dkim_verify_header(m->verify, m->hdrs[i].name, m->hdrs[i].value) < 0)
            m->failed = true;
    if (!m->failed && dkim_verify_eoh(m->verify) < 0)
        m->failed = true;
}

/* Trusted mail: sign it, or say why not. */
static void decide_trusted(dk_msg *m, const char *qid)
{
    str_t why;
    log_safe_buf lb;

    str_init(&why);
    switch (dkim_sign_prepare(policy(m), m->hdrs, m->nhdrs, m->over_limits, &m->sign, &why)) {
    case DKIM_SIGN_YES:
        m->mode = DK_SIGN;
        break;
    case DKIM_SIGN_NO:
        m->mode = DK_UNSIGNED;
        log_q(LOG_NOTICE, qid, "dkim=unsigned origin=%s reason=\"%s\"",
              origin_reason_name(m->head.origin), log_safe_cstr(&lb, why.buf));
        break;
    case DKIM_SIGN_UNSIGNABLE:
        m->mode = DK_UNSIGNABLE;
        m->why = str_steal(&why);
        str_init(&why);
        break;
    case DKIM_SIGN_ERROR:
        log_q(LOG_ERR, qid, "dkim=error reason=\"%s\"", log_safe_cstr(&lb, why.buf));
        m->failed = true;
        m->mode = DK_SIGN;
        break;
    }
    str_free(&why);
}

static sfsistat dk_eoh(SMFICTX *ctx)
{
    dk_conn *c = milterconn_get(ctx);
    dk_msg *m = milterconn_msg_get(ctx, &dk_class);

    if (m == NULL)
        return go_on(c, SMFIP_NR_EOH);
    if (m->stage != DK_HEADERS) {
        m->order = m->order ? m->order : "end of headers twice";
        return go_on(c, SMFIP_NR_EOH);
    }
    m->stage = DK_BODY;
    if (origin_is_trusted(m->head.origin))
        decide_trusted(m, milterconn_qid(ctx));
    else
        start_verify(ctx, m);
    return go_on(c, SMFIP_NR_EOH);
}

static sfsistat dk_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
    dk_conn *c = milterconn_get(ctx);
    dk_msg *m = milterconn_msg_get(ctx, &dk_class);

    if (m == NULL || m->failed)
        return go_on(c, SMFIP_NR_BODY);
    if (m->stage != DK_BODY) {
        m->order = m->order ? m->order : "body before end of headers";
        return go_on(c, SMFIP_NR_BODY);
    }
    if (m->mode == DK_SIGN)
        dkim_sign_body(m->sign, data, len);
    else if (m->verify != NULL && dkim_verify_body(m->verify, data, len) < 0)
        m->failed = true;
    return go_on(c, SMFIP_NR_BODY);
}

/* Deletes our Authentication-Results fields, highest index first. */
static int remove_ours(SMFICTX *ctx, const dk_msg *m, const char *qid)
{
    for (size_t i = m->nours; i-- > 0;) {
        if (smfi_chgheader(ctx, DKIM_AR_HEADER, m->ours[i], NULL) != MI_SUCCESS) {
            log_q(LOG_ERR, qid, "dkim=error reason=\"MTA refused to delete "
                               "Authentication-Results index %d\"", m->ours[i]);
            return -1;
        }
        log_q(LOG_NOTICE, qid, "dkim=removed header=Authentication-Results index=%d "
                               "reason=\"carries our authserv-id\"", m->ours[i]);
    }
    return 0;
}

static const char *hv(const dk_conn *c, const char *value)
{
    return c->leadspc ? value : value + 1;
}

/* Trusted mail that should be signed and cannot be: dkim.on_unsignable,
 * never a silent 250. */
static sfsistat unsignable(SMFICTX *ctx, const dk_msg *m, const char *qid, const char *why)
{
    int action = settings(m)->on_unsignable;
    sfsistat rc = site_action_status(action);
    log_safe_buf lb;
    str_t text;

    log_q(LOG_WARNING, qid, "dkim=unsignable action=%s reason=\"%s\"", site_action_name(action),
          log_safe_cstr(&lb, why));
    if (rc == SMFIS_ACCEPT)
        return SMFIS_CONTINUE; /* our header edits (A-R removals) still apply */
    str_init(&text);
    str_append_cstr(&text, "milterkit-dkim cannot sign this message: ");
    reply_text(why, &text);
    if (smfi_setreply(ctx, rc == SMFIS_REJECT ? "550" : "451", rc == SMFIS_REJECT ? "5.7.0" : "4.7.0",
                      text.buf) != MI_SUCCESS)
        log_q(LOG_WARNING, qid, "dkim=warning reason=\"the MTA refused the reply text\"");
    str_free(&text);
    return rc;
}

/* The masquerade rewrites the signature covers, made by us. */
static int apply_edits(SMFICTX *ctx, const dk_conn *c, const dk_msg *m, const char *qid)
{
    size_t n;
    const dkim_sign_edit *e = dkim_sign_edits(m->sign, &n);
    log_safe_buf a, b;

    for (size_t i = 0; i < n; i++) {
        if (smfi_chgheader(ctx, (char *)e[i].name, e[i].index, (char *)hv(c, e[i].new_value)) !=
            MI_SUCCESS) {
            log_q(LOG_ERR, qid, "dkim=error reason=\"MTA refused to change %s index %d\"",
                  e[i].name, e[i].index);
            return -1;
        }
        log_q(LOG_INFO, qid, "dkim=masqueraded header=%s index=%d old=\"%s\" new=\"%s\"",
              e[i].name, e[i].index, log_safe_cstr(&a, e[i].old_value),
              log_safe_cstr(&b, e[i].new_value));
    }
    return 0;
}

/* The body with its bare CRs and LFs made CRLF, when it had any. */
static int apply_body(SMFICTX *ctx, const dk_conn *c, const dk_msg *m, const char *qid,
                      const char **why)
{
    uint64_t fixes = 0;
    const str_t *body = dkim_sign_new_body(m->sign, &fixes);

    if (body == NULL)
        return 0;
    if (!c->chgbody) {
        *why = "the body has a bare CR or LF and the MTA does not let milters replace it";
        return 1;
    }
    if (smfi_replacebody(ctx, (unsigned char *)(body->buf ? body->buf : ""), (int)body->len) !=
        MI_SUCCESS) {
        log_q(LOG_ERR, qid, "dkim=error reason=\"MTA refused to replace the body\"");
        return -1;
    }
    log_q(LOG_NOTICE, qid, "dkim=body-rewritten bare_cr_lf=%llu reason=\"line ends made CRLF, "
                           "so that every verifier reads the signed body alike\"",
          (unsigned long long)fixes);
    return 0;
}

static sfsistat eom_sign(SMFICTX *ctx, dk_conn *c, dk_msg *m, const char *qid)
{
    str_t out, why;
    const char *body_why = NULL;
    log_safe_buf lb;
    sfsistat rc = SMFIS_CONTINUE;
    int brc;

    str_init(&out);
    str_init(&why);
    switch (dkim_sign_finish(m->sign, qid, &out, &why)) {
    case DKIM_SIGN_UNSIGNABLE:
        rc = unsignable(ctx, m, qid, why.buf);
        goto done;
    case DKIM_SIGN_YES:
        break;
    default:
        log_q(LOG_ERR, qid, "dkim=error reason=\"%s\"", log_safe_cstr(&lb, why.buf));
        rc = site_action_status(settings(m)->daemon.on_error);
        goto done;
    }
    brc = apply_body(ctx, c, m, qid, &body_why);
    if (brc > 0) {
        rc = unsignable(ctx, m, qid, body_why);
        goto done;
    }
    if (brc < 0 || apply_edits(ctx, c, m, qid) < 0) {
        rc = site_action_status(settings(m)->daemon.on_error);
        goto done;
    }
    for (const char *v = out.buf; v < out.buf + out.len; v += strlen(v) + 1)
        if (smfi_insheader(ctx, 0, (char *)DKIMSIGN_HEADER_NAME, (char *)hv(c, v)) !=
            MI_SUCCESS) {
            log_q(LOG_ERR, qid, "dkim=error reason=\"MTA refused to insert DKIM-Signature\"");
            rc = site_action_status(settings(m)->daemon.on_error);
            break;
        }
done:
    str_free(&out);
    str_free(&why);
    return rc;
}

/* What the results ask for: on_dns_error / on_bad_signature. */
static sfsistat verdict(const dk_msg *m, const dkim_vresult *r, size_t n)
{
    bool temp = false, bad = false, pass = false;

    for (size_t i = 0; i < n; i++) {
        temp |= r[i].res == DKIM_RES_TEMPERROR;
        bad |= r[i].res == DKIM_RES_FAIL && !r[i].testing; /* t=y: as unsigned */
        pass |= r[i].res == DKIM_RES_PASS;
    }
    if (pass)
        return SMFIS_CONTINUE; /* one good signature is enough (RFC 6376 6.1) */
    if (temp && settings(m)->on_dns_error == SITE_TEMPFAIL)
        return SMFIS_TEMPFAIL;
    if (bad && settings(m)->on_bad_signature != SITE_ACCEPT)
        return site_action_status(settings(m)->on_bad_signature);
    return SMFIS_CONTINUE;
}

/* One log line with the results, folds turned into spaces, and what was
 * done with the message. */
static void log_results(const char *qid, const dk_msg *m, const str_t *ar, size_t n,
                        size_t skipped, const char *action)
{
    str_t line, fields;
    log_safe_buf lb, lf;

    str_init(&line);
    str_init(&fields);
    dkim_auth_log_fields(&m->auth, &fields);
    for (size_t i = 0; i < ar->len; i++) { /* one line, no '"' in the quoted value */
        char ch = ar->buf[i];

        if (ch != '\n')
            str_append_char(&line, ch == '\t' ? ' ' : ch == '"' ? '\'' : ch);
    }
    log_q(LOG_INFO, qid, "dkim=verify signatures=%zu skipped=%zu%s action=%s result=\"%s\"",
          n, skipped, log_safe_cstr(&lf, fields.buf), action, log_safe_cstr(&lb, line.buf + 1));
    str_free(&line);
    str_free(&fields);
}

/* Gives the MTA a reply text; a refusal without one still refuses. */
static void set_reply(SMFICTX *ctx, const char *qid, const char *code, const char *xcode,
                      const char *text)
{
    str_t t;

    str_init(&t);
    str_append_cstr(&t, "milterkit-dkim: ");
    reply_text(text, &t);
    if (smfi_setreply(ctx, (char *)code, (char *)xcode, t.buf) != MI_SUCCESS)
        log_q(LOG_WARNING, qid, "dkim=warning reason=\"the MTA refused the reply text\"");
    str_free(&t);
}

/*
 * What dkim.dmarc's settings make of the DMARC verdict (dkim_auth_decide):
 * the libmilter status, with the reply text set or the message
 * quarantined.  *name says what was done, for the log.
 */
static sfsistat dmarc_action(SMFICTX *ctx, const dk_conn *c, dk_msg *m, const char *qid,
                             const char **name)
{
    str_t text;
    sfsistat rc = SMFIS_CONTINUE;
    dkim_auth_action act;

    str_init(&text);
    act = dkim_auth_decide(&m->auth, settings(m), &text);
    *name = dkim_auth_action_name(act);
    switch (act) {
    case DKIM_AUTH_REJECT:
        set_reply(ctx, qid, "550", "5.7.1", text.buf);
        rc = SMFIS_REJECT;
        break;
    case DKIM_AUTH_TEMPFAIL:
        set_reply(ctx, qid, "451", "4.4.3", text.buf);
        rc = SMFIS_TEMPFAIL;
        break;
    case DKIM_AUTH_QUARANTINE:
        if (!c->quarantine) {
            *name = "accept";
            log_q(LOG_WARNING, qid, "dmarc=warning reason=\"the MTA offers no quarantine: "
                                    "annotated only\"");
        } else if (smfi_quarantine(ctx, text.buf) != MI_SUCCESS) {
            *name = "accept";
            log_q(LOG_WARNING, qid, "dmarc=warning reason=\"the MTA refused to quarantine: "
                                    "annotated only\"");
        }
        break;
    default:
        break;
    }
    str_free(&text);
    return rc;
}

/* The whole Authentication-Results value: spf=, dkim=, dmarc=. */
static void build_ar(const dk_msg *m, const char *id, const dkim_vresult *res, size_t n,
                     size_t skipped, str_t *ar)
{
    dkim_ar_begin(ar, id ? id : "localhost");
    dkim_auth_ar_note(&m->auth, ar);
    dkim_auth_ar_spf(&m->auth, ar);
    dkim_ar_dkim(ar, res, n, skipped);
    dkim_auth_ar_dmarc(&m->auth, ar);
}

static sfsistat eom_verify(SMFICTX *ctx, dk_conn *c, dk_msg *m, const char *qid)
{
    static const dkim_vresult over = {.res = DKIM_RES_NEUTRAL,
                                      .reason = "not evaluated: headers over the limits"};
    const dkim_vresult *res = NULL;
    size_t n = 0, skipped = 0;
    const char *id = dkim_policy_site(policy(m))->authserv_id, *action = "accept";
    const dns_budget *budget = dkim_auth_resume(&m->auth);
    sfsistat rc;
    str_t ar;

    if (m->over_limits) {
        res = &over;
        n = 1;
    } else if (m->verify == NULL) { /* cannot happen: end of headers started it */
        log_q(LOG_ERR, qid, "dkim=error reason=\"no verifier at end of message\"");
        return site_action_status(settings(m)->daemon.on_error);
    } else if (dkim_verify_finish(m->verify, budget, &res, &n, &skipped) < 0) {
        return site_action_status(settings(m)->daemon.on_error);
    }
    /* DMARC needs the DKIM results, not a "not evaluated" stand-in. */
    dkim_auth_dmarc(&m->auth, policy(m), m->over_limits ? NULL : res, m->over_limits ? 0 : n);
    rc = verdict(m, res, n);
    if (rc == SMFIS_CONTINUE)
        rc = dmarc_action(ctx, c, m, qid, &action);
    else
        action = rc == SMFIS_TEMPFAIL ? "tempfail" : rc == SMFIS_REJECT ? "reject" : "accept";
    str_init(&ar);
    build_ar(m, id, res, n, skipped, &ar);
    log_results(qid, m, &ar, n, skipped, action);
    if (rc == SMFIS_CONTINUE &&
        smfi_insheader(ctx, 0, (char *)DKIM_AR_HEADER, (char *)hv(c, ar.buf)) != MI_SUCCESS) {
        log_q(LOG_ERR, qid, "dkim=error reason=\"MTA refused to insert Authentication-Results\"");
        rc = site_action_status(settings(m)->daemon.on_error);
    }
    str_free(&ar);
    return rc;
}

static sfsistat dk_eom(SMFICTX *ctx)
{
    dk_conn *c = milterconn_get(ctx);
    dk_msg *m = milterconn_msg_get(ctx, &dk_class);
    const char *qid = milterconn_qid(ctx);
    sfsistat rc;

    if (m == NULL)
        return SMFIS_CONTINUE;
    if (m->stage != DK_BODY && m->order == NULL)
        m->order = "end of message without end of headers";
    if (m->ar_overflow || remove_ours(ctx, m, qid) < 0) {
        log_q(LOG_ERR, qid, "dkim=error action=tempfail reason=\"forged Authentication-Results "
                            "not all removed\"");
        rc = SMFIS_TEMPFAIL;
    } else if (m->order != NULL) {
        rc = site_action_status(settings(m)->daemon.on_error);
        log_q(LOG_ERR, qid, "dkim=error action=%s reason=\"the MTA broke the protocol order: "
                            "%s\"", site_action_name(settings(m)->daemon.on_error), m->order);
    } else if (m->failed) {
        rc = site_action_status(settings(m)->daemon.on_error);
        log_q(LOG_ERR, qid, "dkim=error action=%s", site_action_name(settings(m)->daemon.on_error));
    } else if (m->mode == DK_SIGN) {
        rc = eom_sign(ctx, c, m, qid);
    } else if (m->mode == DK_UNSIGNABLE) {
        rc = unsignable(ctx, m, qid, m->why);
    } else if (m->mode == DK_UNSIGNED) {
        rc = SMFIS_CONTINUE; /* logged at end of headers; outbound: no A-R */
    } else {
        rc = eom_verify(ctx, c, m, qid);
    }
    milterconn_msg_end(c, &dk_class);
    return rc;
}

struct smfiDesc dkim_milter_desc = {
    .xxfi_name = "milterkit-dkim",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
    .xxfi_connect = dk_connect,
    .xxfi_helo = dk_helo,
    .xxfi_envfrom = dk_envfrom,
    .xxfi_header = dk_header,
    .xxfi_eoh = dk_eoh,
    .xxfi_body = dk_body,
    .xxfi_eom = dk_eom,
    .xxfi_abort = milterconn_abort,
    .xxfi_close = milterconn_close,
    .xxfi_negotiate = dk_negotiate,
};
