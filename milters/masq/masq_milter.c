/* masq_milter.c - libmilter callbacks of milterkit-masq; see masq_milter.h. */
#include "config.h"

#include "masq_milter.h"

#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"
#include "mail/hdrfield.h"
#include "milter/macros.h"
#include "milter/masq_policy.h"
#include "milter/masq_settings.h"
#include "milter/milterconn.h"
#include "milter/origin.h"

#include <string.h>
#include <strings.h>

/* Headers of interest kept per message; the rest are left alone and logged. */
#define MASQ_MAX_HEADERS 256

typedef struct masq_msg {
    milterconn_msg head; /* config snapshot, origin */
    char *sender;       /* argv[0] of MAIL FROM */
    hdrfield *hdrs;     /* as received, leading space included (SMFIP_HDR_LEADSPC) */
    size_t nhdrs;
    bool hdrs_dropped;
} masq_msg;

typedef struct masq_conn {
    milterconn head; /* client address */
    masq_msg msg;
} masq_conn;

static const masq_settings *settings(const masq_msg *m)
{
    return milterconn_settings(&m->head);
}

static const masq_policy *policy(const masq_msg *m)
{
    return milterconn_runtime(&m->head);
}

static void msg_end(void *msg)
{
    masq_msg *m = msg;

    hdrfields_free(&m->hdrs, &m->nhdrs);
    mem_free(&m->sender);
}

static const milterconn_class masq_class = {
    .size = sizeof(masq_conn),
    .msg_offset = offsetof(masq_conn, msg),
    .msg_size = sizeof(masq_msg),
    .msg_end = msg_end,
};

int masq_milter_prepare(daemon_conf *c, str_t *errors)
{
    masq_policy *p;

    if (masq_policy_new(c->part, &c->site, c->path, &p, errors) < 0)
        return -1;
    c->runtime = p;
    return 0;
}

void masq_milter_release(daemon_conf *c)
{
    masq_policy *p = c->runtime;

    masq_policy_free(&p);
    c->runtime = NULL;
}

static sfsistat masq_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                               unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                               unsigned long *pf2, unsigned long *pf3)
{
    unsigned long want = SMFIP_NOBODY | SMFIP_NOHELO | SMFIP_NORCPT | SMFIP_NOEOH |
                         SMFIP_NODATA | SMFIP_NOUNKNOWN | SMFIP_HDR_LEADSPC;

    if ((f0 & (SMFIF_CHGHDRS | SMFIF_CHGFROM)) != (SMFIF_CHGHDRS | SMFIF_CHGFROM)) {
        log_msg(LOG_ERR, "the MTA cannot change headers and sender (actions 0x%lx): "
                         "milterkit-masq needs both", f0);
        return SMFIS_REJECT;
    }
    *pf0 = SMFIF_CHGHDRS | SMFIF_CHGFROM;
    *pf1 = want & f1;
    *pf2 = *pf3 = 0;
    if ((f1 & SMFIP_HDR_LEADSPC) == 0)
        log_msg(LOG_WARNING, "the MTA does not offer SMFIP_HDR_LEADSPC: header spacing "
                             "may change on rewrite");
    if (macros_request(ctx, MACROS_MASQ) < 0)
        log_msg(LOG_WARNING, "libmilter refused the macro lists: the MTA sends its defaults");
    return SMFIS_CONTINUE;
}

static sfsistat masq_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    (void)host;
    milterconn_connect(ctx, &masq_class, addr, NULL);
    return SMFIS_CONTINUE;
}

static sfsistat masq_envfrom(SMFICTX *ctx, char **argv)
{
    masq_msg *m = milterconn_msg_begin(ctx, &masq_class);

    if (m == NULL)
        return SMFIS_TEMPFAIL; /* no connection state or no config: cannot happen */
    if (settings(m)->trusted_only && !origin_is_trusted(m->head.origin)) {
        log_q(LOG_DEBUG, milterconn_qid(ctx), "masq=skip origin=untrusted");
        milterconn_msg_end(milterconn_get(ctx), &masq_class);
        return SMFIS_ACCEPT;
    }
    m->sender = mem_strdup(argv[0] ? argv[0] : "");
    return SMFIS_CONTINUE;
}

static sfsistat masq_header(SMFICTX *ctx, char *name, char *value)
{
    masq_msg *m = milterconn_msg_get(ctx, &masq_class);

    if (m == NULL)
        return SMFIS_CONTINUE;
    if (!masq_policy_wants_header(policy(m), name))
        return SMFIS_CONTINUE;
    if (m->nhdrs == MASQ_MAX_HEADERS) {
        m->hdrs_dropped = true;
        return SMFIS_CONTINUE;
    }
    hdrfields_add(&m->hdrs, &m->nhdrs, name, mem_strdup(value));
    return SMFIS_CONTINUE;
}

/* Rewrites header i; returns -1 when the MTA refused the change. */
static int rewrite_header(SMFICTX *ctx, const char *qid, const masq_msg *m, size_t i)
{
    const hdrfield *h = &m->hdrs[i];
    int index = hdrfields_index(m->hdrs, i);
    str_t out;
    const char *why = NULL;
    log_safe_buf a, b;
    int rc = 0;

    str_init(&out);
    switch (masq_policy_header(policy(m), h->value, strlen(h->value), &out, &why)) {
    case MASQ_CHANGED:
        if (smfi_chgheader(ctx, h->name, index, out.buf) != MI_SUCCESS) {
            log_q(LOG_ERR, qid, "masq=error header=%s index=%d reason=\"MTA refused the change\"",
                  h->name, index);
            rc = -1;
            break;
        }
        log_q(LOG_INFO, qid, "masq=header header=%s index=%d old=\"%s\" new=\"%s\"", h->name,
              index, log_safe_cstr(&a, h->value), log_safe_cstr(&b, out.buf));
        break;
    case MASQ_MALFORMED:
        log_q(LOG_NOTICE, qid, "masq=untouched header=%s index=%d reason=\"%s\" value=\"%s\"",
              h->name, index, why ? why : "malformed", log_safe_cstr(&a, h->value));
        break;
    case MASQ_FAILED:
        log_q(LOG_ERR, qid, "masq=error header=%s index=%d reason=\"%s\"", h->name, index,
              why ? why : "generics map failure");
        rc = -1;
        break;
    case MASQ_UNCHANGED:
        log_q(LOG_DEBUG, qid, "masq=unchanged header=%s index=%d", h->name, index);
        break;
    }
    str_free(&out);
    return rc;
}

static int rewrite_sender(SMFICTX *ctx, const char *qid, const masq_msg *m)
{
    str_t out;
    const char *why = NULL;
    log_safe_buf a, b;
    int rc = 0;

    str_init(&out);
    switch (masq_policy_envelope(policy(m), m->sender, strlen(m->sender), &out, &why)) {
    case MASQ_CHANGED:
        /* No ESMTP parameters: both MTAs keep those of MAIL FROM (SIZE, BODY,
         * RET, ENVID, SMTPUTF8) when the sender changes.  Handing them back
         * makes sendmail refuse a duplicate RET and send an empty AUTH= to
         * the next hop, and Postfix warn about each one it ignores. */
        if (smfi_chgfrom(ctx, out.buf, NULL) != MI_SUCCESS) {
            log_q(LOG_ERR, qid, "masq=error envelope=sender reason=\"MTA refused the change\"");
            rc = -1;
            break;
        }
        log_q(LOG_INFO, qid, "masq=envelope old=%s new=%s", log_safe_cstr(&a, m->sender),
              log_safe_cstr(&b, out.buf));
        break;
    case MASQ_MALFORMED:
        log_q(LOG_NOTICE, qid, "masq=untouched envelope=sender reason=\"%s\" value=%s",
              why ? why : "malformed", log_safe_cstr(&a, m->sender));
        break;
    case MASQ_FAILED:
        log_q(LOG_ERR, qid, "masq=error envelope=sender reason=\"%s\"",
              why ? why : "generics map failure");
        rc = -1;
        break;
    case MASQ_UNCHANGED:
        break;
    }
    str_free(&out);
    return rc;
}

static sfsistat masq_eom(SMFICTX *ctx)
{
    masq_msg *m = milterconn_msg_get(ctx, &masq_class);
    const char *qid = milterconn_qid(ctx);
    sfsistat rc = SMFIS_CONTINUE;
    int failed = 0;

    if (m == NULL)
        return SMFIS_CONTINUE;
    if (m->hdrs_dropped)
        log_q(LOG_WARNING, qid, "masq=partial reason=\"more than %d address headers; the rest "
                                "left untouched\"", MASQ_MAX_HEADERS);
    /* smfi_chgheader indices do not move when values change (no deletes here). */
    for (size_t i = 0; i < m->nhdrs; i++)
        failed |= rewrite_header(ctx, qid, m, i) < 0;
    if (settings(m)->envelope)
        failed |= rewrite_sender(ctx, qid, m) < 0;
    if (failed)
        rc = site_action_status(settings(m)->daemon.on_error);
    milterconn_msg_end(milterconn_get(ctx), &masq_class);
    return rc;
}

struct smfiDesc masq_milter_desc = {
    .xxfi_name = "milterkit-masq",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_CHGHDRS | SMFIF_CHGFROM,
    .xxfi_connect = masq_connect,
    .xxfi_envfrom = masq_envfrom,
    .xxfi_header = masq_header,
    .xxfi_eom = masq_eom,
    .xxfi_abort = milterconn_abort,
    .xxfi_close = milterconn_close,
    .xxfi_negotiate = masq_negotiate,
};
