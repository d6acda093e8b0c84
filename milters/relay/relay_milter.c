/* relay_milter.c - libmilter callbacks of milterkit-relay; see relay_milter.h. */
#include "config.h"

#include "relay_milter.h"

#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"
#include "dns/fcrdns.h"
#include "mail/access.h"
#include "milter/macros.h"
#include "milter/milterconn.h"
#include "milter/reply.h"
#include "milter/origin.h"
#include "relay_policy.h"
#include "relay_settings.h"

#include <stdio.h>
#include <string.h>

typedef struct relay_msg {
    milterconn_msg head;  /* config snapshot, origin */
    bool conn_done;       /* conn_r is filled */
    access_result conn_r; /* Connect: lookup, into this snapshot's map */
    char *quarantine;     /* reason from a QUARANTINE entry, or NULL */
} relay_msg;

typedef struct relay_conn {
    milterconn head; /* client address */
    bool fc_done;
    fcrdns_result fc;
    relay_msg msg;
} relay_conn;

static const relay_settings *settings(const relay_msg *m)
{
    return milterconn_settings(&m->head);
}

static relay_policy *policy(const relay_msg *m)
{
    return milterconn_runtime(&m->head);
}

static void msg_end(void *msg)
{
    relay_msg *m = msg;

    mem_free(&m->quarantine);
}

static void conn_end(void *conn)
{
    relay_conn *c = conn;

    if (c->fc_done)
        fcrdns_result_free(&c->fc);
}

static const milterconn_class relay_class = {
    .size = sizeof(relay_conn),
    .msg_offset = offsetof(relay_conn, msg),
    .msg_size = sizeof(relay_msg),
    .msg_end = msg_end,
    .conn_end = conn_end,
};

/* ---- replies and logging ---- */

/* Refuses (or, in dry-run mode, only logs) with code dsn text. */
static sfsistat refuse(SMFICTX *ctx, const relay_msg *m, const char *qid, const str_t *detail,
                       const char *code, const char *dsn, const char *text)
{
    bool dry = settings(m)->dry_run;
    str_t t;

    str_init(&t);
    reply_text(text, &t);
    log_q(LOG_NOTICE, qid, "relay=%s %s reply=\"%s %s %s\"", dry ? "would-refuse" : "refused",
          detail->buf, code, dsn, t.buf);
    if (dry) {
        str_free(&t);
        return SMFIS_CONTINUE;
    }
    if (smfi_setreply(ctx, (char *)code, (char *)dsn, t.buf) != MI_SUCCESS)
        log_q(LOG_WARNING, qid, "relay=warning reason=\"the MTA refused the reply text\"");
    str_free(&t);
    return code[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* Applies an access map result that refuses (REJECT, ERROR, TEMPFAIL,
 * DISCARD) and returns true with *st set; QUARANTINE is remembered. */
static bool access_refuses(SMFICTX *ctx, relay_msg *m, const char *qid, str_t *detail,
                           const char *kind, const access_result *r, sfsistat *st)
{
    log_safe_buf k;

    if (r->action == ACCESS_NONE)
        return false;
    str_printf(detail, " access=%s key=\"%s\" line=%u action=%s", kind, log_safe_cstr(&k, r->key),
               r->line, access_action_name(r->action));
    switch (r->action) {
    case ACCESS_REJECT:
        *st = refuse(ctx, m, qid, detail, r->code ? r->code : "550", r->dsn ? r->dsn : "5.7.1",
                     r->text && *r->text ? r->text : "Access denied");
        return true;
    case ACCESS_ERROR:
    case ACCESS_TEMPFAIL:
        *st = refuse(ctx, m, qid, detail, r->code ? r->code : "451", r->dsn ? r->dsn : "4.7.1",
                     r->text && *r->text ? r->text : "Temporary failure, try again later");
        return true;
    case ACCESS_DISCARD:
        log_q(LOG_NOTICE, qid, "relay=%s %s", settings(m)->dry_run ? "would-discard" : "discarded",
              detail->buf);
        *st = settings(m)->dry_run ? SMFIS_CONTINUE : SMFIS_DISCARD;
        return true;
    case ACCESS_QUARANTINE:
        if (m->quarantine == NULL)
            m->quarantine =
                mem_strdup(r->text && *r->text ? r->text : "milterkit-relay access map");
        return false;
    default:
        return false;
    }
}

/* ---- FCrDNS, once per connection, on demand ---- */

static void fcrdns_log(const relay_conn *c, const char *qid)
{
    str_t names;
    log_safe_buf a, b;

    str_init(&names);
    for (size_t i = 0; i < c->fc.count; i++) {
        if (i)
            str_append_char(&names, ',');
        str_append_cstr(&names, c->fc.names[i]);
    }
    log_q(LOG_INFO, qid, "fcrdns=%s client=%s names=\"%s\" confirmed=%s%s reason=\"%s\"",
          fcrdns_status_name(c->fc.status), c->head.addr, log_safe_cstr(&a, names.buf),
          c->fc.name ? c->fc.name : "-", c->fc.cross_family ? " cross_family=yes" : "",
          log_safe_cstr(&b, c->fc.why ? c->fc.why : ""));
    str_free(&names);
}

static void ensure_fcrdns(relay_conn *c, const relay_msg *m, const char *qid)
{
    dns_resolver r;
    const char *why = NULL;

    if (c->fc_done || !c->head.has_client)
        return;
    c->fc_done = true;
    if (relay_policy_resolver(policy(m), &r, &why) < 0) {
        memset(&c->fc, 0, sizeof c->fc);
        c->fc.status = FCRDNS_TEMP;
        c->fc.why = why ? why : "cannot set up DNS";
        log_q(LOG_ERR, qid, "relay=error reason=\"DNS: %s\"", c->fc.why);
    } else {
        dns_budget b = dns_budget_in((unsigned)settings(m)->fcrdns_timeout * 1000u);

        fcrdns_check(&r, &c->head.client, settings(m)->allow_cross_family ? FCRDNS_CROSS_FAMILY : 0,
                     &b, &c->fc);
    }
    fcrdns_log(c, qid);
}

/* The Connect: lookup for this message (name entries only when confirmed). */
static const access_result *conn_access(relay_conn *c, relay_msg *m, const char *qid)
{
    const access_map *map = relay_policy_access(policy(m));

    if (!m->conn_done) {
        m->conn_done = true;
        memset(&m->conn_r, 0, sizeof m->conn_r);
        if (map != NULL && c->head.has_client) {
            ensure_fcrdns(c, m, qid);
            access_lookup_connect(map, &c->head.client, c->fc.status == FCRDNS_OK ? c->fc.name : NULL,
                                  &m->conn_r);
        }
    }
    return &m->conn_r;
}

/* ---- callbacks ---- */

static sfsistat relay_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                                unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                                unsigned long *pf2, unsigned long *pf3)
{
    unsigned long want =
        SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NODATA | SMFIP_NOUNKNOWN;

    (void)f2;
    (void)f3;
    *pf0 = f0 & SMFIF_QUARANTINE;
    *pf1 = want & f1;
    *pf2 = *pf3 = 0;
    if (macros_request(ctx, MACROS_RELAY) < 0)
        log_msg(LOG_WARNING, "libmilter refused the macro lists: the MTA sends its defaults");
    return SMFIS_CONTINUE;
}

static sfsistat relay_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    (void)host; /* the MTA's idea of the name is not trusted: we do our own DNS */
    milterconn_connect(ctx, &relay_class, addr, NULL);
    return SMFIS_CONTINUE;
}

static sfsistat check_sender(SMFICTX *ctx, relay_msg *m, const char *qid, const char *login,
                             const char *sender, str_t *detail)
{
    relay_sender_check sc = relay_policy_sender(policy(m), login, sender);
    log_safe_buf l;
    str_t text;
    sfsistat st;

    if (sc == RELAY_SENDER_ALLOWED)
        return SMFIS_CONTINUE;
    str_printf(detail, " login=\"%s\" binding=%s", log_safe_cstr(&l, login),
               sc == RELAY_SENDER_NO_LOGIN ? "login-not-in-map" : "mismatch");
    str_init(&text);
    str_printf(&text, "Sender address rejected: not owned by user %s", log_safe_cstr(&l, login));
    st = refuse(ctx, m, qid, detail, "553", "5.7.1", text.buf);
    str_free(&text);
    return st;
}

static sfsistat relay_envfrom(SMFICTX *ctx, char **argv)
{
    relay_conn *c = milterconn_get(ctx);
    relay_msg *m = milterconn_msg_begin(ctx, &relay_class);
    const char *qid = milterconn_qid(ctx), *login, *sender = argv && argv[0] ? argv[0] : "";
    access_result r;
    sfsistat st = SMFIS_CONTINUE;
    str_t detail;
    log_safe_buf s;

    if (m == NULL) {
        log_q(LOG_ERR, qid, "relay=error reason=\"no connection state or no configuration\" "
                            "action=tempfail");
        return SMFIS_TEMPFAIL; /* cannot happen: connect runs first, a config is loaded */
    }
    login = smfi_getsymval(ctx, MILTERCONN_MACRO_AUTH);
    str_init(&detail);
    str_printf(&detail, "stage=mail from=%s client=%s origin=%s", relay_addr_logged(&s, sender),
               c->head.addr, origin_reason_name(m->head.origin));
    if (login != NULL && *login != '\0')
        st = check_sender(ctx, m, qid, login, sender, &detail);
    if (st == SMFIS_CONTINUE && relay_policy_access(policy(m)) != NULL &&
        access_lookup_from(relay_policy_access(policy(m)), sender, &r) != ACCESS_NONE)
        access_refuses(ctx, m, qid, &detail, "from", &r, &st);
    str_free(&detail);
    return st;
}

/* A DNS failure says which lookup failed: the PTR record, or the address
 * of a name it gave, or the time that ran out. */
static void dns_failure_text(const relay_conn *c, str_t *text)
{
    log_safe_buf n;

    str_append_cstr(text, "Relaying temporarily denied. ");
    if (c->fc.failed_step == FCRDNS_STEP_FORWARD && c->fc.failed_name != NULL && c->fc.out_of_time)
        str_printf(text, "Out of time resolving the PTR names of %s (%s did not resolve)",
                   c->head.addr, log_safe_cstr(&n, c->fc.failed_name));
    else if (c->fc.failed_step == FCRDNS_STEP_FORWARD && c->fc.failed_name != NULL)
        str_printf(text, "Cannot resolve the address of %s, PTR name of %s",
                   log_safe_cstr(&n, c->fc.failed_name), c->head.addr);
    else
        str_printf(text, "%s PTR record for %s",
                   c->fc.out_of_time ? "Out of time resolving" : "Cannot resolve", c->head.addr);
}

/* Relaying refused: the reply says what the client can do about it. */
static sfsistat deny_relay(SMFICTX *ctx, relay_conn *c, relay_msg *m, const char *qid,
                           str_t *detail)
{
    str_t text;
    sfsistat st;
    bool dns_temp;

    ensure_fcrdns(c, m, qid);
    dns_temp = c->head.has_client && c->fc.status == FCRDNS_TEMP;
    str_init(&text);
    if (!c->head.has_client)
        str_printf(&text, "Relaying denied. Authenticate first");
    else if (dns_temp)
        dns_failure_text(c, &text);
    else if (c->fc.status == FCRDNS_FORGED)
        str_printf(&text, "Relaying denied. IP name possibly forged %s", c->head.addr);
    else if (c->fc.status == FCRDNS_FAIL)
        str_printf(&text, "Relaying denied. IP name lookup failed %s", c->head.addr);
    else
        str_printf(&text, "Relaying denied for %s %s. Authenticate first", c->fc.name, c->head.addr);
    if (c->head.has_client)
        str_printf(detail, " fcrdns=%s", fcrdns_status_name(c->fc.status));
    str_printf(detail, " reason=%s", dns_temp ? "dns-error" : "not-allowed");
    if (dns_temp && settings(m)->on_dns_error == SITE_TEMPFAIL)
        st = refuse(ctx, m, qid, detail, "451", "4.4.3", text.buf);
    else
        st = refuse(ctx, m, qid, detail, "550", "5.7.1", text.buf);
    str_free(&text);
    return st;
}

static sfsistat decide_rcpt(SMFICTX *ctx, relay_conn *c, relay_msg *m, const char *qid,
                            const char *rcpt, str_t *detail)
{
    const access_map *map = relay_policy_access(policy(m));
    bool trusted = origin_is_trusted(m->head.origin), relay_to = false;
    relay_rcpt_kind kind = relay_policy_rcpt(policy(m), rcpt);
    access_result tr;
    const access_result *cr = NULL;
    log_safe_buf k;
    sfsistat st;

    if (map != NULL && access_lookup_to(map, rcpt, &tr) != ACCESS_NONE) {
        if (access_refuses(ctx, m, qid, detail, "to", &tr, &st))
            return st;
        relay_to = tr.action == ACCESS_RELAY;
    }
    if (!trusted) {
        cr = conn_access(c, m, qid);
        if (access_refuses(ctx, m, qid, detail, "connect", cr, &st))
            return st;
    }
    if (kind != RELAY_RCPT_REMOTE) {
        log_q(LOG_INFO, qid, "relay=no %s destination=%s", detail->buf,
              kind == RELAY_RCPT_LOCAL ? "local" : "relay_domains");
        return SMFIS_CONTINUE;
    }
    if (trusted) {
        log_q(LOG_INFO, qid, "relay=allowed %s", detail->buf);
        return SMFIS_CONTINUE;
    }
    if (relay_to || cr->action == ACCESS_RELAY) {
        if (relay_to)
            str_printf(detail, " access=to key=\"%s\" line=%u", log_safe_cstr(&k, tr.key), tr.line);
        if (c->fc_done)
            str_printf(detail, " fcrdns=%s", fcrdns_status_name(c->fc.status));
        log_q(LOG_INFO, qid, "relay=allowed %s", detail->buf);
        return SMFIS_CONTINUE;
    }
    return deny_relay(ctx, c, m, qid, detail);
}

static sfsistat relay_envrcpt(SMFICTX *ctx, char **argv)
{
    relay_conn *c = milterconn_get(ctx);
    const char *qid = milterconn_qid(ctx), *rcpt = argv && argv[0] ? argv[0] : "";
    relay_msg *m = milterconn_msg_get(ctx, &relay_class);
    str_t detail;
    log_safe_buf r;
    sfsistat st;

    if (m == NULL)
        return SMFIS_TEMPFAIL; /* a peer that skipped MAIL: no decision without a sender */
    str_init(&detail);
    str_printf(&detail, "stage=rcpt rcpt=%s client=%s origin=%s", relay_addr_logged(&r, rcpt),
               c->head.addr, origin_reason_name(m->head.origin));
    st = decide_rcpt(ctx, c, m, qid, rcpt, &detail);
    str_free(&detail);
    return st;
}

static sfsistat relay_eom(SMFICTX *ctx)
{
    relay_msg *m = milterconn_msg_get(ctx, &relay_class);
    const char *qid = milterconn_qid(ctx);
    log_safe_buf q;

    if (m == NULL)
        return SMFIS_CONTINUE;
    if (m->quarantine != NULL) {
        log_q(LOG_NOTICE, qid, "relay=%s reason=\"%s\"",
              settings(m)->dry_run ? "would-quarantine" : "quarantined",
              log_safe_cstr(&q, m->quarantine));
        if (!settings(m)->dry_run && smfi_quarantine(ctx, m->quarantine) != MI_SUCCESS)
            log_q(LOG_WARNING, qid, "relay=warning reason=\"the MTA refused to quarantine\"");
    }
    milterconn_msg_end(milterconn_get(ctx), &relay_class);
    return SMFIS_CONTINUE;
}

struct smfiDesc relay_milter_desc = {
    .xxfi_name = "milterkit-relay",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_QUARANTINE,
    .xxfi_connect = relay_connect,
    .xxfi_envfrom = relay_envfrom,
    .xxfi_envrcpt = relay_envrcpt,
    .xxfi_eom = relay_eom,
    .xxfi_abort = milterconn_abort,
    .xxfi_close = milterconn_close,
    .xxfi_negotiate = relay_negotiate,
};
