/*
 * ck_probe.h - is a milter answering on a socket?  Connects (unix, inet,
 * inet6), sends the option negotiation an MTA sends, reads and checks the
 * reply (ck_mpkt), says QUIT and closes.  Everything within one time limit.
 * Reentrant; no global state.
 */
#ifndef MK_CK_PROBE_H
#define MK_CK_PROBE_H

#include "ck_mpkt.h"
#include "ck_sock.h"
#include "core/str.h"

typedef enum ck_probe_status {
    CK_PROBE_OK,          /* a milter negotiated */
    CK_PROBE_NOT_RUNNING, /* nothing listens: ECONNREFUSED, no such socket file */
    CK_PROBE_DENIED,      /* we may not connect (EACCES, EPERM) */
    CK_PROBE_TIMEOUT,     /* no connection or no complete reply in time */
    CK_PROBE_NOT_MILTER,  /* something answered, but not a milter negotiation */
    CK_PROBE_ERROR,       /* anything else (no address for the host, ...) */
} ck_probe_status;

/*
 * Probes the socket within timeout_ms.  Returns CK_PROBE_OK with *neg
 * filled, or the failure (CK_PROBE_*) with
 * what happened to why otherwise (errno text, or what the peer sent, made
 * printable and capped).
 */
ck_probe_status ck_probe(const ck_sock *sock, int timeout_ms, ck_mpkt_optneg *neg, str_t *why);

#endif
