/* milterconn.c - per-connection and per-message state of a milter; see
 * milterconn.h. */
#include "config.h"

#include "milter/milterconn.h"

#include "core/mem.h"

#include <stdio.h>
#include <string.h>

void *milterconn_get(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

void *milterconn_open(SMFICTX *ctx, const milterconn_class *cl, bool *fresh)
{
    void *conn = smfi_getpriv(ctx);

    if (fresh != NULL)
        *fresh = conn == NULL;
    if (conn != NULL)
        return conn;
    conn = mem_zalloc(cl->size);
    ((milterconn *)conn)->cl = cl;
    daemon_conn_begin();
    smfi_setpriv(ctx, conn);
    return conn;
}

void *milterconn_connect(SMFICTX *ctx, const milterconn_class *cl, const _SOCK_ADDR *hostaddr,
                         bool *fresh)
{
    milterconn *c = milterconn_open(ctx, cl, fresh);
    char buf[48]; /* INET6_ADDRSTRLEN */

    c->has_client = cidr_addr_from_sockaddr(hostaddr, &c->client) == 0;
    if (c->has_client) {
        cidr_addr_format(&c->client, buf, sizeof buf);
        snprintf(c->addr, sizeof c->addr, "[%s]", buf);
    } else {
        snprintf(c->addr, sizeof c->addr, "[local]");
    }
    return c;
}

static milterconn_msg *msg_of(void *conn, const milterconn_class *cl)
{
    return (milterconn_msg *)((char *)conn + cl->msg_offset);
}

void milterconn_msg_end(void *conn, const milterconn_class *cl)
{
    milterconn_msg *m;

    if (conn == NULL)
        return;
    m = msg_of(conn, cl);
    if (cl->msg_end != NULL)
        cl->msg_end(m);
    snapshot_release(&m->conf);
    memset(m, 0, cl->msg_size);
}

void *milterconn_msg_begin(SMFICTX *ctx, const milterconn_class *cl)
{
    milterconn *c = smfi_getpriv(ctx);
    milterconn_msg *m;

    if (c == NULL)
        return NULL;
    milterconn_msg_end(c, cl);
    m = msg_of(c, cl);
    m->conf = daemon_conf_acquire();
    if (m->conf == NULL)
        return NULL;
    m->origin = origin_check(milterconn_site(m), c->has_client ? &c->client : NULL,
                             smfi_getsymval(ctx, MILTERCONN_MACRO_AUTH),
                             smfi_getsymval(ctx, MILTERCONN_MACRO_DAEMON));
    return m;
}

void *milterconn_msg_get(SMFICTX *ctx, const milterconn_class *cl)
{
    void *conn = smfi_getpriv(ctx);
    milterconn_msg *m;

    if (conn == NULL)
        return NULL;
    m = msg_of(conn, cl);
    return m->conf != NULL ? m : NULL;
}

sfsistat milterconn_abort(SMFICTX *ctx)
{
    milterconn *conn = smfi_getpriv(ctx);

    if (conn != NULL)
        milterconn_msg_end(conn, conn->cl);
    return SMFIS_CONTINUE;
}

sfsistat milterconn_close(SMFICTX *ctx)
{
    milterconn *conn = smfi_getpriv(ctx);

    if (conn == NULL)
        return SMFIS_CONTINUE;
    milterconn_msg_end(conn, conn->cl);
    if (conn->cl->conn_end != NULL)
        conn->cl->conn_end(conn);
    smfi_setpriv(ctx, NULL);
    mem_free(&conn);
    daemon_conn_end();
    return SMFIS_CONTINUE;
}

const char *milterconn_qid(SMFICTX *ctx)
{
    const char *q = smfi_getsymval(ctx, "i");

    return q != NULL ? q : "";
}

const daemon_conf *milterconn_conf(const milterconn_msg *m)
{
    return m->conf->data;
}

const site_settings *milterconn_site(const milterconn_msg *m)
{
    return &milterconn_conf(m)->site;
}

const void *milterconn_settings(const milterconn_msg *m)
{
    return milterconn_conf(m)->part;
}

void *milterconn_runtime(const milterconn_msg *m)
{
    return milterconn_conf(m)->runtime;
}
