/* masq_settings.c - schema and defaults of the "masq" section; see masq_settings.h. */
#include "config.h"

#include "milter/masq_settings.h"

#include "core/dname.h"

#include <string.h>
#include <strings.h>

/* sendmail 8.17's defaults: the sender headers it masquerades ... */
#define MASQ_SENDER_HEADERS                                                                  \
    "From,Sender,Reply-To,Resent-From,Resent-Sender,Resent-Reply-To,Errors-To,"             \
    "Disposition-Notification-To"
/* ... and those FEATURE(allmasquerade) adds. */
#define MASQ_RECIPIENT_HEADERS "To,Cc,Bcc,Resent-To,Resent-Cc,Resent-Bcc,Apparently-To"

static int check_header_names(const void *value, const char **error_r)
{
    const cfg_strlist *l = value;

    for (size_t i = 0; i < l->count; i++) {
        const char *n = l->items[i];

        if (*n == '\0' || strlen(n) > 128 || strpbrk(n, ": \t\r\n") != NULL) {
            *error_r = "not a header field name";
            return -1;
        }
    }
    return 0;
}

/* Without as, nothing is masqueraded (milterkit-masq(8)); a section that
 * then changes nothing at all (no generics map, no always_add_domain) is a
 * mistake, most likely a forgotten as. */
static int masq_check(void *obj, str_t *err)
{
    masq_settings *s = obj;

    if (s->as == NULL && s->generics == NULL && !s->always_add_domain) {
        str_append_cstr(err, "as: not set, so this section changes nothing: set the domain to "
                             "masquerade as (or generics, or always_add_domain)\n");
        return -1;
    }
    return 0;
}

#define F(member, nm, ty, df) CFG_FIELD(masq_settings, member, nm, ty, df)
static const cfg_field masq_fields[] = {
    DAEMON_SETTINGS_FIELDS(masq_settings, daemon, SITE_SOCKET_MASQ),
    {.name = "as", .type = CFG_STRING, .offset = offsetof(masq_settings, as),
     .each = dname_check_host},
    {.name = "domains", .type = CFG_STRLIST, .offset = offsetof(masq_settings, domains),
     .each = dname_check_match},
    F(domains_file, "domains_file", CFG_STRING, NULL),
    F(entire_domain, "entire_domain", CFG_BOOL, "false"),
    F(envelope, "envelope", CFG_BOOL, "false"),
    F(recipients, "recipients", CFG_BOOL, "false"),
    F(always_add_domain, "always_add_domain", CFG_BOOL, "false"),
    F(limited, "limited", CFG_BOOL, "false"),
    F(generics_entire_domain, "generics_entire_domain", CFG_BOOL, "false"),
    F(exposed_users, "exposed_users", CFG_STRLIST, NULL),
    {.name = "exceptions", .type = CFG_STRLIST, .offset = offsetof(masq_settings, exceptions),
     .each = dname_check_match},
    F(generics, "generics", CFG_STRING, NULL),
    {.name = "generics_domains", .type = CFG_STRLIST,
     .offset = offsetof(masq_settings, generics_domains), .each = dname_check_match},
    {.name = "headers", .type = CFG_STRLIST, .offset = offsetof(masq_settings, headers),
     .def = MASQ_SENDER_HEADERS, .max = 64, .check = check_header_names},
    {.name = "recipient_headers", .type = CFG_STRLIST,
     .offset = offsetof(masq_settings, recipient_headers), .def = MASQ_RECIPIENT_HEADERS,
     .max = 64, .check = check_header_names},
    F(trusted_only, "trusted_only", CFG_BOOL, "true"),
};
#undef F

const cfg_schema masq_schema = {
    .size = sizeof(masq_settings), .fields = masq_fields,
    .nfields = sizeof masq_fields / sizeof masq_fields[0], .check = masq_check,
    .check_reads = "as,generics,always_add_domain",
};
