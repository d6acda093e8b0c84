/* relay_settings.c - schema and defaults of the "relay" section; see relay_settings.h. */
#include "config.h"

#include "relay_settings.h"

#include <string.h>

static int check_dns_action(const void *value, const char **error_r)
{
    const char *a = *(char *const *)value;

    if (a && strcmp(a, "tempfail") != 0 && strcmp(a, "reject") != 0) {
        *error_r = "must be \"tempfail\" or \"reject\" (a DNS error never allows relaying)";
        return -1;
    }
    return 0;
}

static int check_domains(const void *value, const char **error_r)
{
    const cfg_strlist *l = value;

    for (size_t i = 0; i < l->count; i++) {
        const char *d = l->items[i];

        if (*d == '\0' || strlen(d) > 253 || strpbrk(d, "@ \t\r\n<>,;") != NULL) {
            *error_r = "not a domain name";
            return -1;
        }
    }
    return 0;
}

#define F(member, nm, ty, df) CFG_FIELD(relay_settings, member, nm, ty, df)
static const cfg_field relay_fields[] = {
    DAEMON_SETTINGS_FIELDS(relay_settings, daemon, "unix:/run/milterkit/relay.sock"),
    F(access, "access", CFG_STRING, NULL),
    {.name = "local_domains",
     .type = CFG_STRLIST,
     .offset = offsetof(relay_settings, local_domains),
     .max = 1000,
     .check = check_domains},
    {.name = "relay_domains",
     .type = CFG_STRLIST,
     .offset = offsetof(relay_settings, relay_domains),
     .max = 1000,
     .check = check_domains},
    F(sender_logins, "sender_logins", CFG_STRING, NULL),
    F(dry_run, "dry_run", CFG_BOOL, "false"),
    F(allow_cross_family, "allow_cross_family", CFG_BOOL, "false"),
    {.name = "on_dns_error",
     .type = CFG_STRING,
     .offset = offsetof(relay_settings, on_dns_error),
     .def = "tempfail",
     .check = check_dns_action},
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
