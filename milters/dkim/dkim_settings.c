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

static int dkim_check(void *obj, str_t *err)
{
    dkim_settings *s = obj;
    int rc = 0;

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
};
#undef F
#undef OFF

const cfg_schema dkim_schema = {
    .size = sizeof(dkim_settings), .fields = dkim_fields,
    .nfields = sizeof dkim_fields / sizeof dkim_fields[0], .check = dkim_check,
    .check_reads = "keys",
};
