/* dkim_settings.c - schema and defaults of the "dkim" section; see dkim_settings.h. */
#include "config.h"

#include "dkim_settings.h"

#include "core/dname.h"
#include "dkim/dkimcanon.h"

#include <string.h>
#include <strings.h>

#define DKIM_SIGN_HEADERS                                                                    \
    "From,Reply-To,Subject,Date,To,Cc,Message-ID,In-Reply-To,References,MIME-Version,"      \
    "Content-Type,Content-Transfer-Encoding,Content-ID,Content-Description,Sender,List-*,"  \
    "Resent-*"
#define DKIM_OVERSIGN_HEADERS "From,Subject,To,Cc,Reply-To"

static int check_algorithm(const void *value, const char **error_r)
{
    const char *s = *(char *const *)value;

    if (s == NULL || strcmp(s, "rsa") == 0 || strcmp(s, "ed25519") == 0)
        return 0;
    *error_r = "must be \"rsa\" or \"ed25519\"";
    return -1;
}

static int check_canon(const void *value, const char **error_r)
{
    const char *s = *(char *const *)value;
    const char *slash = strchr(s, '/');
    char head[16];
    dkimcanon_t c;

    *error_r = "must be HEADER/BODY, each \"simple\" or \"relaxed\"";
    if (slash == NULL || (size_t)(slash - s) >= sizeof head)
        return -1;
    memcpy(head, s, (size_t)(slash - s));
    head[slash - s] = '\0';
    if (dkimcanon_from_name(head, &c) < 0 || dkimcanon_from_name(slash + 1, &c) < 0)
        return -1;
    return 0;
}

static int check_header_names(const void *value, const char **error_r)
{
    const cfg_strlist *l = value;

    for (size_t i = 0; i < l->count; i++) {
        const char *n = l->items[i];

        if (*n == '\0' || strlen(n) > 128 || strpbrk(n, ":; \t\r\n") != NULL) {
            *error_r = "not a header field name";
            return -1;
        }
    }
    return 0;
}

/* What an l= that leaves body bytes unsigned makes of a verified signature. */
static const cfg_enum_name tail_actions[] = {
    {"policy", DKIM_TAIL_POLICY}, {"pass", DKIM_TAIL_PASS}, {NULL, 0},
};

static const cfg_enum_name dmarc_reject_actions[] = {
    {"annotate", DKIM_DMARC_ANNOTATE},
    {"reject", DKIM_DMARC_REJECT},
    {"quarantine", DKIM_DMARC_QUARANTINE},
    {NULL, 0},
};
static const cfg_enum_name dmarc_quarantine_actions[] = {
    {"annotate", DKIM_DMARC_ANNOTATE}, {"quarantine", DKIM_DMARC_QUARANTINE}, {NULL, 0},
};

#define SF(member, nm, ty, df) CFG_FIELD(dkim_spf_settings, member, nm, ty, df)
static const cfg_field spf_fields[] = {
    SF(enable, "enable", CFG_BOOL, "true"),
    /* RFC 7208 4.6.4: 10 and 2; a site may only lower them, never lift them. */
    {.name = "max_lookups", .type = CFG_INT, .offset = offsetof(dkim_spf_settings, max_lookups),
     .def = "10", .min = 1, .max = 10},
    {.name = "max_void_lookups", .type = CFG_INT,
     .offset = offsetof(dkim_spf_settings, max_void_lookups), .def = "2", .min = 1, .max = 2},
};
#undef SF

static const cfg_schema spf_schema = {
    .size = sizeof(dkim_spf_settings), .fields = spf_fields,
    .nfields = sizeof spf_fields / sizeof spf_fields[0],
};

#define DF(member) .offset = offsetof(dkim_dmarc_settings, member)
static const cfg_field dmarc_fields[] = {
    {.name = "enable", .type = CFG_BOOL, DF(enable), .def = "true"},
    {.name = "on_policy_reject", .type = CFG_ENUM, DF(on_policy_reject), .def = "annotate",
     .names = dmarc_reject_actions},
    {.name = "on_policy_quarantine", .type = CFG_ENUM, DF(on_policy_quarantine),
     .def = "annotate", .names = dmarc_quarantine_actions},
    {.name = "on_temperror", .type = CFG_ENUM, DF(on_temperror), .def = "accept",
     .names = site_actions_no_reject},
};
#undef DF

static const cfg_schema dmarc_schema = {
    .size = sizeof(dkim_dmarc_settings), .fields = dmarc_fields,
    .nfields = sizeof dmarc_fields / sizeof dmarc_fields[0],
};

/* trusted_relays as a cidr_set (checked by cfg_check_cidr_list). */
static void derive_relays(dkim_settings *s)
{
    cidr_set_init(&s->relays);
    for (size_t i = 0; i < s->trusted_relays.count; i++) {
        const char *why;
        cidr c;

        if (cidr_parse(s->trusted_relays.items[i], &c, &why) == 0)
            cidr_set_add(&s->relays, &c);
    }
}

static void dkim_release(void *obj)
{
    cidr_set_free(&((dkim_settings *)obj)->relays);
}

static int dkim_check(void *obj, str_t *err)
{
    dkim_settings *s = obj;
    int rc = 0;

    derive_relays(s);
    /* DMARC aligns the SPF domain as well as DKIM's: without SPF it would
     * fail every sender that counts on SPF alone. */
    if (s->dmarc.enable && !s->spf.enable) {
        str_append_cstr(err, "dmarc: enabled while spf is not: DMARC needs the SPF result "
                             "(set dkim.spf.enable = true, or dkim.dmarc.enable = false)\n");
        rc = -1;
    }

    for (size_t i = 0; i < s->keys.count; i++) {
        const dkim_key_settings *k = (const dkim_key_settings *)s->keys.items + i;
        const char *why;

        if (dname_check_dkim_key(k->selector, k->domain, &why) < 0) {
            str_printf(err, "keys: selector %s of %s: %s\n", k->selector, k->domain, why);
            rc = -1;
        }
        for (size_t j = 0; j < i; j++) {
            const dkim_key_settings *o = (const dkim_key_settings *)s->keys.items + j;

            if (strcasecmp(k->domain, o->domain) == 0 &&
                strcasecmp(k->selector, o->selector) == 0) {
                str_printf(err, "keys: selector %s of %s is listed twice\n", k->selector,
                           k->domain);
                rc = -1;
            }
        }
    }
    return rc;
}

#define KF(member, nm, ty, df) CFG_FIELD(dkim_key_settings, member, nm, ty, df)
static const cfg_field key_fields[] = {
    {.name = "domain", .type = CFG_STRING, .offset = offsetof(dkim_key_settings, domain),
     .required = true, .each = dname_check_signing},
    {.name = "selector", .type = CFG_STRING, .offset = offsetof(dkim_key_settings, selector),
     .required = true, .each = dname_check_selector},
    {.name = "key", .type = CFG_STRING, .offset = offsetof(dkim_key_settings, key),
     .required = true, .max = 4096},
    {.name = "algorithm", .type = CFG_STRING, .offset = offsetof(dkim_key_settings, algorithm),
     .check = check_algorithm},
};
#undef KF

static const cfg_schema key_schema = {
    .size = sizeof(dkim_key_settings), .fields = key_fields,
    .nfields = sizeof key_fields / sizeof key_fields[0],
};

#define F(member, nm, ty, df) CFG_FIELD(dkim_settings, member, nm, ty, df)
#define OFF(member) .offset = offsetof(dkim_settings, member)
static const cfg_field dkim_fields[] = {
    DAEMON_SETTINGS_FIELDS(dkim_settings, daemon, SITE_SOCKET_DKIM),
    {.name = "keys", .type = CFG_GROUPLIST, OFF(keys), .sub = &key_schema, .max = 256},
    F(sign_subdomains, "sign_subdomains", CFG_BOOL, "false"),
    {.name = "canonicalization", .type = CFG_STRING, OFF(canonicalization),
     .def = "relaxed/relaxed", .check = check_canon},
    {.name = "sign_headers", .type = CFG_STRLIST, OFF(sign_headers), .def = DKIM_SIGN_HEADERS,
     .max = 128, .check = check_header_names},
    {.name = "oversign_headers", .type = CFG_STRLIST, OFF(oversign_headers),
     .def = DKIM_OVERSIGN_HEADERS, .max = 64, .check = check_header_names},
    {.name = "expire", .type = CFG_INT, OFF(expire), .def = "0", .min = 0, .max = 315360000},
    {.name = "max_signatures", .type = CFG_INT, OFF(max_signatures), .def = "5", .min = 1,
     .max = 50},
    {.name = "max_header_size", .type = CFG_INT, OFF(max_header_size), .def = "65536",
     .min = 1024, .max = 1048576},
    {.name = "max_headers", .type = CFG_INT, OFF(max_headers), .def = "1000", .min = 50,
     .max = 10000},
    /* RFC 8301 3.2: keys under 1024 bits are never valid. */
    {.name = "min_key_bits", .type = CFG_INT, OFF(min_key_bits), .def = "1024", .min = 1024,
     .max = 4096},
    {.name = "max_body_rewrite", .type = CFG_INT, OFF(max_body_rewrite), .def = "1048576",
     .min = 0, .max = 67108864},
    F(check_key_permissions, "check_key_permissions", CFG_BOOL, "true"),
    F(masquerade_before_signing, "masquerade_before_signing", CFG_BOOL, "true"),
    {.name = "on_dns_error", .type = CFG_ENUM, OFF(on_dns_error), .def = "tempfail",
     .names = site_actions_no_reject},
    {.name = "on_bad_signature", .type = CFG_ENUM, OFF(on_bad_signature), .def = "accept",
     .names = site_actions},
    {.name = "on_unsignable", .type = CFG_ENUM, OFF(on_unsignable), .def = "tempfail",
     .names = site_actions},
    {.name = "unsigned_tail", .type = CFG_ENUM, OFF(unsigned_tail), .def = "policy",
     .names = tail_actions},
    {.name = "key_source", .type = CFG_STRING, OFF(key_source), .def = "dns", .max = 4096},
    /* Seconds; well under Postfix's 30 s milter_command_timeout. */
    {.name = "dns_budget", .type = CFG_INT, OFF(dns_budget), .def = "10", .min = 1, .max = 25},
    {.name = "trusted_relays", .type = CFG_STRLIST, OFF(trusted_relays), .max = 1000,
     .check = cfg_check_cidr_list},
    {.name = "spf", .type = CFG_GROUP, OFF(spf), .sub = &spf_schema},
    {.name = "dmarc", .type = CFG_GROUP, OFF(dmarc), .sub = &dmarc_schema},
};
#undef F
#undef OFF

const cfg_schema dkim_schema = {
    .size = sizeof(dkim_settings), .fields = dkim_fields,
    .nfields = sizeof dkim_fields / sizeof dkim_fields[0], .check = dkim_check,
    .release = dkim_release, .check_reads = "keys,trusted_relays,spf,dmarc",
};
