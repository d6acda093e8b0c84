/*
 * origin.h - the one "trusted origin" rule of milterkit (DESIGN.md).
 *
 * Mail is of trusted origin when the client authenticated ({auth_authen}
 * is set and not empty), or its address is in site.internal_networks, or
 * it came in on a daemon named in site.submission_daemons ({daemon_name}).
 * Trusted mail is masqueraded and signed; other mail is verified, and may
 * relay only where the access map says RELAY.  Pure and thread-safe.
 */
#ifndef MK_ORIGIN_H
#define MK_ORIGIN_H

#include <stdbool.h>

#include "core/cidr.h"
#include "milter/site.h"

typedef enum origin_reason {
    ORIGIN_UNTRUSTED = 0,
    ORIGIN_AUTH,             /* SMTP AUTH */
    ORIGIN_INTERNAL_NETWORK, /* client address in site.internal_networks */
    ORIGIN_SUBMISSION_DAEMON /* {daemon_name} in site.submission_daemons */
} origin_reason;

/*
 * Decides for one message.  client is NULL when the MTA gave no address
 * (local submission through the sendmail binary or an unknown family):
 * such mail is not trusted by address.  auth_authen and daemon_name are the
 * macro values, or NULL.
 */
origin_reason origin_check(const site_settings *site, const cidr_addr *client,
                           const char *auth_authen, const char *daemon_name);
bool origin_is_trusted(origin_reason r);
/* "auth", "internal_network", "submission_daemon" or "untrusted", for logs. */
const char *origin_reason_name(origin_reason r);

#endif
