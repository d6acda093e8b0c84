/* origin.c - the trusted-origin rule; see origin.h. */
#include "config.h"

#include "milter/origin.h"

origin_reason origin_check(const site_settings *site, const cidr_addr *client,
                           const char *auth_authen, const char *daemon_name)
{
    if (auth_authen != NULL && *auth_authen != '\0')
        return ORIGIN_AUTH;
    if (client != NULL && cidr_set_match(&site->internal, client))
        return ORIGIN_INTERNAL_NETWORK;
    if (daemon_name != NULL && *daemon_name != '\0' &&
        cfg_strlist_contains(&site->submission_daemons, daemon_name, false))
        return ORIGIN_SUBMISSION_DAEMON;
    return ORIGIN_UNTRUSTED;
}

bool origin_is_trusted(origin_reason r)
{
    return r != ORIGIN_UNTRUSTED;
}

const char *origin_reason_name(origin_reason r)
{
    switch (r) {
    case ORIGIN_AUTH: return "auth";
    case ORIGIN_INTERNAL_NETWORK: return "internal_network";
    case ORIGIN_SUBMISSION_DAEMON: return "submission_daemon";
    default: return "untrusted";
    }
}
