/*
 * milterconn.h - the life of a milter's per-connection state, the same in
 * every milterkit milter: made at the first callback of a connection,
 * found again through smfi_getpriv(), the message in progress forgotten on
 * abort, everything freed on close, and the connection counted so that a
 * stop waits for it (daemon_conn_begin/daemon_conn_end).
 *
 * Each milter describes its own state once (milterconn_class) and its
 * xxfi_abort / xxfi_close callbacks are one call each.  A close without
 * any state (a port probe that connects and hangs up, or a close after
 * SMFIC_QUIT_NC before the next connect) is fine.
 */
#ifndef MK_MILTERCONN_H
#define MK_MILTERCONN_H

#include <stddef.h>

#include <libmilter/mfapi.h>

typedef struct milterconn_class {
    size_t size;                 /* of the milter's connection struct */
    void (*msg_end)(void *conn); /* forget the message in progress */
    void (*conn_end)(void *conn); /* release what else it holds, or NULL */
} milterconn_class;

/* The connection state of ctx, or NULL when none was made. */
void *milterconn_get(SMFICTX *ctx);

/* Makes zeroed state of cl->size bytes for ctx, counts the connection and
 * returns the state.  Call only when milterconn_get() is NULL. */
void *milterconn_open(SMFICTX *ctx, const milterconn_class *cl);

/* xxfi_abort: cl->msg_end on the state, if any.  Returns SMFIS_CONTINUE. */
sfsistat milterconn_abort(SMFICTX *ctx, const milterconn_class *cl);

/* xxfi_close: cl->msg_end, cl->conn_end, free, uncount.  SMFIS_CONTINUE. */
sfsistat milterconn_close(SMFICTX *ctx, const milterconn_class *cl);

/* The MTA queue id (macro i), or "" when the MTA has not sent one (log_q()
 * writes "NOQUEUE" then). */
const char *milterconn_qid(SMFICTX *ctx);

#endif
