/* milterconn.c - per-connection state of a milter; see milterconn.h. */
#include "config.h"

#include "milter/milterconn.h"

#include "milter/daemon.h"
#include "core/mem.h"

void *milterconn_get(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

void *milterconn_open(SMFICTX *ctx, const milterconn_class *cl)
{
    void *conn = mem_zalloc(cl->size);

    daemon_conn_begin();
    smfi_setpriv(ctx, conn);
    return conn;
}

sfsistat milterconn_abort(SMFICTX *ctx, const milterconn_class *cl)
{
    void *conn = smfi_getpriv(ctx);

    if (conn != NULL)
        cl->msg_end(conn);
    return SMFIS_CONTINUE;
}

sfsistat milterconn_close(SMFICTX *ctx, const milterconn_class *cl)
{
    void *conn = smfi_getpriv(ctx);

    if (conn == NULL)
        return SMFIS_CONTINUE;
    cl->msg_end(conn);
    if (cl->conn_end != NULL)
        cl->conn_end(conn);
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
