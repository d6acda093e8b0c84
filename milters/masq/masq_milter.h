/*
 * masq_milter.h - the libmilter callbacks of milterkit-masq.
 *
 * Per connection a masq_conn (client address, auth state); per message the
 * envelope sender and the values of the headers it may rewrite, nothing
 * else: memory does not grow with the body (it asks for none) nor with
 * headers it does not touch.  All rewriting is decided at end of message,
 * on the config snapshot taken at MAIL FROM.
 */
#ifndef MK_MASQ_MILTER_H
#define MK_MASQ_MILTER_H

#include <libmilter/mfapi.h>

#include "core/str.h"
#include "milter/daemon.h"

extern struct smfiDesc masq_milter_desc;

/* daemon_part hooks: the config's masq_policy in c->runtime
 * (lib/milter/masq_policy).  prepare returns 0, or -1 with errors appended. */
int masq_milter_prepare(daemon_conf *c, str_t *errors);
void masq_milter_release(daemon_conf *c);

#endif
