/*
 * milterconn.h - the per-connection and per-message state every milterkit
 * milter shares, and its life:
 *
 *   connection  made at the first callback of a connection (negotiate or
 *               connect), found again through smfi_getpriv(), freed at close
 *               and counted so that a stop waits for it
 *               (daemon_conn_begin/daemon_conn_end);
 *   message     begun at MAIL FROM (any message still in progress is
 *               forgotten first: xxfi_abort is not called in every case),
 *               with the config snapshot it runs on for its whole life and
 *               its trusted origin (lib/milter/origin); ended at end of
 *               message, abort, a new MAIL FROM or close.
 *
 * Each milter's connection struct begins with a milterconn (the head), and
 * its message struct, a member of the connection struct, begins with a
 * milterconn_msg; it describes both once in a milterconn_class.  The
 * accessors below give the message's config typed, so that no milter casts
 * daemon_conf pointers.  A close without any state (a port probe that
 * connects and hangs up, a close after SMFIC_QUIT_NC) is fine; hostaddr can
 * be NULL (local submission, unknown family).
 *
 * Thread-safety: libmilter runs one connection in one thread at a time;
 * nothing here is shared between connections but the config snapshots
 * (reference-counted, lib/core/snapshot).
 */
#ifndef MK_MILTERCONN_H
#define MK_MILTERCONN_H

#include <stdbool.h>
#include <stddef.h>

#include <libmilter/mfapi.h>

#include "core/cidr.h"
#include "core/snapshot.h"
#include "milter/daemon.h"
#include "milter/origin.h"
#include "milter/site.h"

/* The macros the trusted-origin rule reads at MAIL FROM (lib/milter/macros
 * asks every MTA for them). */
#define MILTERCONN_MACRO_AUTH "{auth_authen}"
#define MILTERCONN_MACRO_DAEMON "{daemon_name}"

struct milterconn_class;

/* Head of every milter's connection struct. */
typedef struct milterconn {
    const struct milterconn_class *cl; /* the milter's description, set when made */
    cidr_addr client; /* the client's address, when has_client */
    bool has_client;  /* false: local submission (no address) or an unknown family */
    char addr[64];    /* "[192.0.2.1]", "[2001:db8::1]" or "[local]": logs, replies */
} milterconn;

/* Head of every milter's message struct. */
typedef struct milterconn_msg {
    snapshot *conf;       /* the config of this message; NULL: no message in progress */
    origin_reason origin; /* decided at MAIL FROM */
} milterconn_msg;

typedef struct milterconn_class {
    size_t size;        /* of the milter's connection struct */
    size_t msg_offset;  /* offsetof(its connection struct, its message struct) */
    size_t msg_size;    /* of its message struct */
    /* Releases what the message holds beyond the head, or NULL; the head is
     * released and the whole message struct zeroed after it. */
    void (*msg_end)(void *msg);
    /* Releases what the connection holds beyond the head and the message, or NULL. */
    void (*conn_end)(void *conn);
} milterconn_class;

/* The connection state of ctx, or NULL when none was made. */
void *milterconn_get(SMFICTX *ctx);

/* The connection state of ctx, made zeroed (and counted) when there is
 * none yet.  *fresh, when not NULL, says whether it was just made. */
void *milterconn_open(SMFICTX *ctx, const milterconn_class *cl, bool *fresh);

/* xxfi_connect: milterconn_open() and the client address from hostaddr
 * (NULL: local submission). */
void *milterconn_connect(SMFICTX *ctx, const milterconn_class *cl, const _SOCK_ADDR *hostaddr,
                         bool *fresh);

/*
 * xxfi_envfrom: ends any message in progress, begins a new one on the
 * current config snapshot and decides its origin from the client address
 * and the macros above.  Returns the message struct, or NULL when there is
 * no connection state or no config (the caller answers with a tempfail:
 * neither can happen with a well-behaved MTA).
 */
void *milterconn_msg_begin(SMFICTX *ctx, const milterconn_class *cl);

/* The message in progress on ctx (begun and not ended), or NULL: callbacks
 * after MAIL FROM start with it and go on harmlessly when it is NULL (a
 * peer that skipped MAIL FROM). */
void *milterconn_msg_get(SMFICTX *ctx, const milterconn_class *cl);

/* Ends the message of conn (cl->msg_end, release, zero); harmless when none. */
void milterconn_msg_end(void *conn, const milterconn_class *cl);

/* xxfi_abort of every milter: ends the message (of the class the
 * connection was made with).  Returns SMFIS_CONTINUE. */
sfsistat milterconn_abort(SMFICTX *ctx);

/* xxfi_close of every milter: ends the message, the class's conn_end,
 * frees, uncounts.  Returns SMFIS_CONTINUE. */
sfsistat milterconn_close(SMFICTX *ctx);

/* The MTA queue id (macro i), or "" when the MTA has not sent one (log_q()
 * writes "NOQUEUE" then). */
const char *milterconn_qid(SMFICTX *ctx);

/* The config of a message in progress (m->conf set), typed: */
const daemon_conf *milterconn_conf(const milterconn_msg *m);
const site_settings *milterconn_site(const milterconn_msg *m);
/* the part's settings (the daemon_part's schema struct) */
const void *milterconn_settings(const milterconn_msg *m);
/* what the part's prepare() built (daemon_conf.runtime) */
void *milterconn_runtime(const milterconn_msg *m);

#endif
