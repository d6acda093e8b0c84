/* site.c - the "site" section and the shared daemon settings; see site.h. */
#include "config.h"

#include "milter/site.h"

#include "core/dname.h"
#include "core/log.h"
#include "core/mem.h"

#include <libmilter/mfapi.h>
#include <string.h>
#include <unistd.h>

const char *const site_section_names[] = {"site", "masq", "relay", "dkim", "mta"};
const unsigned site_section_count = sizeof site_section_names / sizeof site_section_names[0];

static const cfg_field dns_fields[] = {
    {.name = "servers", .type = CFG_STRLIST, .offset = offsetof(site_dns, servers), .max = 16},
    {.name = "timeout", .type = CFG_INT, .offset = offsetof(site_dns, timeout), .def = "5",
     .min = 1, .max = 60},
    {.name = "trust_anchor", .type = CFG_STRING, .offset = offsetof(site_dns, trust_anchor)},
};

static const cfg_schema dns_schema = {
    .size = sizeof(site_dns), .fields = dns_fields,
    .nfields = sizeof dns_fields / sizeof dns_fields[0],
};

static int check_facility(const void *value, const char **error_r)
{
    if (log_facility_from_name(*(char *const *)value) < 0) {
        *error_r = "unknown syslog facility (mail, daemon, user, local0 ... local7)";
        return -1;
    }
    return 0;
}

static int check_level(const void *value, const char **error_r)
{
    if (log_level_from_name(*(char *const *)value) < 0) {
        *error_r = "unknown log level (err, warning, notice, info, debug)";
        return -1;
    }
    return 0;
}

static int site_check(void *obj, str_t *err)
{
    site_settings *s = obj;
    const char *why;

    if (s->hostname == NULL) {
        char host[256];

        if (gethostname(host, sizeof host) != 0 || memchr(host, '\0', sizeof host) == NULL) {
            str_append_cstr(err, "hostname: not set and gethostname() failed\n");
            return -1;
        }
        s->hostname = mem_strdup(host);
    }
    if (s->authserv_id == NULL)
        s->authserv_id = mem_strdup(s->hostname);
    cidr_set_init(&s->internal);
    for (size_t i = 0; i < s->internal_networks.count; i++) {
        cidr c;

        if (cidr_parse(s->internal_networks.items[i], &c, &why) < 0) {
            str_printf(err, "internal_networks: %s: %s\n", s->internal_networks.items[i], why);
            return -1;
        }
        cidr_set_add(&s->internal, &c);
    }
    return 0;
}

static const cfg_field site_fields[] = {
    {.name = "domain", .type = CFG_STRING, .offset = offsetof(site_settings, domain),
     .each = dname_check_host, .required = true},
    {.name = "hostname", .type = CFG_STRING, .offset = offsetof(site_settings, hostname),
     .each = dname_check_host},
    {.name = "authserv_id", .type = CFG_STRING, .offset = offsetof(site_settings, authserv_id),
     .max = 255},
    {.name = "internal_networks", .type = CFG_STRLIST,
     .offset = offsetof(site_settings, internal_networks), .def = "127.0.0.0/8,::1/128",
     .max = 1000, .check = cfg_check_cidr_list},
    {.name = "submission_daemons", .type = CFG_STRLIST,
     .offset = offsetof(site_settings, submission_daemons), .max = 32},
    {.name = "user", .type = CFG_STRING, .offset = offsetof(site_settings, user),
     .def = "milterkit", .max = 64},
    {.name = "group", .type = CFG_STRING, .offset = offsetof(site_settings, group), .max = 64},
    {.name = "log_facility", .type = CFG_STRING, .offset = offsetof(site_settings, log_facility),
     .def = "mail", .check = check_facility},
    {.name = "log_level", .type = CFG_STRING, .offset = offsetof(site_settings, log_level),
     .def = "info", .check = check_level},
    {.name = "dns", .type = CFG_GROUP, .offset = offsetof(site_settings, dns), .sub = &dns_schema},
};

static void site_release(void *obj)
{
    cidr_set_free(&((site_settings *)obj)->internal);
}

const cfg_schema site_schema = {
    .size = sizeof(site_settings), .fields = site_fields,
    .nfields = sizeof site_fields / sizeof site_fields[0], .check = site_check,
    .release = site_release, .check_reads = "hostname,authserv_id,internal_networks",
};

const cfg_enum_name site_actions[] = {
    {"tempfail", SITE_TEMPFAIL}, {"accept", SITE_ACCEPT}, {"reject", SITE_REJECT}, {NULL, 0},
};
const cfg_enum_name site_actions_no_reject[] = {
    {"tempfail", SITE_TEMPFAIL}, {"accept", SITE_ACCEPT}, {NULL, 0},
};
const cfg_enum_name site_actions_no_accept[] = {
    {"tempfail", SITE_TEMPFAIL}, {"reject", SITE_REJECT}, {NULL, 0},
};

const char *site_action_name(int a)
{
    return cfg_enum_name_of(site_actions, a);
}

int site_action_status(int action)
{
    switch (action) {
    case SITE_ACCEPT: return SMFIS_ACCEPT;
    case SITE_REJECT: return SMFIS_REJECT;
    default: return SMFIS_TEMPFAIL;
    }
}

static bool cfg_section_known(const char *name)
{
    for (unsigned i = 0; i < site_section_count; i++)
        if (strcmp(site_section_names[i], name) == 0)
            return true;
    return false;
}

int site_load(const char *path, site_settings *site, const char *part_name,
              const cfg_schema *part_schema, void *part_obj, str_t *errors)
{
    cfg_section sections[8];
    size_t n = 0;

    if (site_section_count + 1 > sizeof sections / sizeof sections[0])
        panic("site_load: too many sections");
    for (unsigned i = 0; i < site_section_count; i++) {
        const char *name = site_section_names[i];

        sections[n].name = name;
        sections[n].schema = NULL;
        sections[n].obj = NULL;
        if (strcmp(name, "site") == 0) {
            sections[n].schema = &site_schema;
            sections[n].obj = site;
        } else if (part_name && strcmp(name, part_name) == 0) {
            sections[n].schema = part_schema;
            sections[n].obj = part_obj;
        }
        n++;
    }
    if (part_name && !cfg_section_known(part_name)) {
        sections[n].name = part_name;
        sections[n].schema = part_schema;
        sections[n].obj = part_obj;
        n++;
    }
    return cfg_load(path, sections, n, errors);
}

void site_free(site_settings *site)
{
    cfg_free(&site_schema, site);
}
