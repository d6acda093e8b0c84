/*
 * relay_milter.h - the libmilter callbacks of milterkit-relay.
 *
 * Per connection a relay_conn: the client address from xxfi_connect (none
 * for local submissions) and the FCrDNS outcome, computed at most once per
 * connection and only when a decision needs the client's name.  Per
 * message the config snapshot taken at MAIL, the trusted-origin verdict
 * and the Connect: access result.  Decisions: From: entries and the
 * sender/login binding at MAIL; To: entries, Connect: entries and the
 * relay check at each RCPT.  No headers, body or DATA are asked for.
 */
#ifndef MK_RELAY_MILTER_H
#define MK_RELAY_MILTER_H

#include <libmilter/mfapi.h>

extern struct smfiDesc relay_milter_desc;

#endif
