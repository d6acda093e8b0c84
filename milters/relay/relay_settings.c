/* relay_settings.c - schema and defaults of the "relay" section; see relay_settings.h. */
#include "config.h"

#include "relay_settings.h"

#include "core/dname.h"

#define F(member, nm, ty, df) CFG_FIELD(relay_settings, member, nm, ty, df)
static const cfg_field relay_fields[] = {
    DAEMON_SETTINGS_FIELDS(relay_settings, daemon, SITE_SOCKET_RELAY),
    F(access, "access", CFG_STRING, NULL),
    {.name = "local_domains",
     .type = CFG_STRLIST,
     .offset = offsetof(relay_settings, local_domains),
     .max = 1000,
     .each = dname_check_match},
    {.name = "relay_domains",
     .type = CFG_STRLIST,
     .offset = offsetof(relay_settings, relay_domains),
     .max = 1000,
     .each = dname_check_match},
    F(sender_logins, "sender_logins", CFG_STRING, NULL),
    F(dry_run, "dry_run", CFG_BOOL, "false"),
    F(allow_cross_family, "allow_cross_family", CFG_BOOL, "false"),
    /* A DNS error never allows relaying: no "accept". */
    {.name = "on_dns_error",
     .type = CFG_ENUM,
     .offset = offsetof(relay_settings, on_dns_error),
     .def = "tempfail",
     .names = site_actions_no_accept},
    /* Below the MTA's wait for a reply: Postfix milter_command_timeout 30 s,
     * sendmail T=R:1m as milterkit-mc writes it. */
    {.name = "fcrdns_timeout",
     .type = CFG_INT,
     .offset = offsetof(relay_settings, fcrdns_timeout),
     .def = "20",
     .min = 1,
     .max = 300},
};
#undef F

const cfg_schema relay_schema = {
    .size = sizeof(relay_settings),
    .fields = relay_fields,
    .nfields = sizeof relay_fields / sizeof relay_fields[0],
};
