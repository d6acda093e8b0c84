/* mc_settings.c - schema and defaults of the "mta" section; see mc_settings.h. */
#include "config.h"

#include "mc_settings.h"

#include "core/cidr.h"
#include "core/dname.h"

#include <string.h>
#include <strings.h>

bool mc_settings_plain(const char *text)
{
    if (text == NULL || *text == '\0')
        return false;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("`'\",;\\$()[]#", *p) != NULL)
            return false;
    return true;
}

static int check_plain(const void *value, const char **error_r)
{
    const char *s = *(char *const *)value;

    if (s != NULL && !mc_settings_plain(s)) {
        *error_r = "must not be empty nor contain spaces, quotes, commas, ;, $, #, ( ) or [ ]";
        return -1;
    }
    return 0;
}

/* The smart host: a host name (the one rule of lib/core/dname) or an IP
 * address, without a port. */
static int check_host(const void *value, const char **error_r)
{
    const char *s = *(char *const *)value;
    cidr_addr addr;

    if (s != NULL && strchr(s, ':') != NULL) {
        *error_r = "a host name only; put the port in smarthost.port";
        return -1;
    }
    if (s == NULL || cidr_addr_parse(s, &addr) == 0) /* unset, or an address */
        return 0;
    return dname_check(s, DNAME_HOST, error_r);
}

static int check_path(const void *value, const char **error_r)
{
    const char *s = *(char *const *)value;

    if (check_plain(value, error_r) < 0)
        return -1;
    if (s != NULL && s[0] != '/') {
        *error_r = "must be an absolute path";
        return -1;
    }
    return 0;
}

static int check_one_of(const char *s, const char *const *allowed, const char *msg,
                        const char **error_r)
{
    for (; s && *allowed; allowed++)
        if (strcmp(s, *allowed) == 0)
            return 0;
    if (s == NULL)
        return 0;
    *error_r = msg;
    return -1;
}

static int check_flavor(const void *value, const char **error_r)
{
    static const char *const ok[] = {"sendmail", "postfix", NULL};

    return check_one_of(*(char *const *)value, ok, "must be \"sendmail\" or \"postfix\"",
                        error_r);
}

static int check_tls_mode(const void *value, const char **error_r)
{
    static const char *const ok[] = {"starttls", "implicit", NULL};

    return check_one_of(*(char *const *)value, ok,
                        "must be \"starttls\" (port 587) or \"implicit\" (port 465)", error_r);
}

static int check_pwcheck(const void *value, const char **error_r)
{
    static const char *const ok[] = {"auxprop", "saslauthd", NULL};

    return check_one_of(*(char *const *)value, ok,
                        "must be \"auxprop\" (users in sasldb) or \"saslauthd\"", error_r);
}

static int check_families(const void *value, const char **error_r)
{
    const cfg_strlist *l = value;

    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], "inet") != 0 && strcmp(l->items[i], "inet6") != 0) {
            *error_r = "every entry must be \"inet\" or \"inet6\"";
            return -1;
        }
    return 0;
}

static int check_plain_list(const void *value, const char **error_r)
{
    const cfg_strlist *l = value;

    for (size_t i = 0; i < l->count; i++)
        if (check_plain(&l->items[i], error_r) < 0)
            return -1;
    return 0;
}

static int check_mechanisms(const void *value, const char **error_r)
{
    const cfg_strlist *l = value;

    for (size_t i = 0; i < l->count; i++) {
        const char *m = l->items[i];

        if (*m == '\0' || strlen(m) > 20 ||
            strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != strlen(m)) {
            *error_r = "SASL mechanism names are upper case, e.g. \"PLAIN\", \"LOGIN\"";
            return -1;
        }
    }
    return 0;
}

/* T= of INPUT_MAIL_FILTER: "C:10s;S:1m;R:1m;E:5m". */
static int check_timeouts(const void *value, const char **error_r)
{
    const char *s = *(char *const *)value;

    if (s == NULL)
        return 0;
    *error_r = "must look like \"C:10s;S:1m;R:1m;E:5m\" (C, S, R, E with s, m or h)";
    for (const char *p = s;;) {
        size_t digits;

        if (strchr("CSRE", p[0]) == NULL || p[0] == '\0' || p[1] != ':')
            return -1;
        p += 2;
        digits = strspn(p, "0123456789");
        if (digits == 0 || digits > 5)
            return -1;
        p += digits;
        if (*p == 's' || *p == 'm' || *p == 'h')
            p++;
        if (*p == '\0')
            return 0;
        if (*p++ != ';')
            return -1;
    }
}

#define LISTENER_FIELDS(st, port_default)                                                    \
    {.name = "enable", .type = CFG_BOOL, .offset = offsetof(st, enable), .def = "true"},    \
    {.name = "port", .type = CFG_INT, .offset = offsetof(st, port), .def = (port_default),  \
     .min = 1, .max = 65535},                                                               \
    {.name = "families", .type = CFG_STRLIST, .offset = offsetof(st, families),             \
     .def = "inet,inet6", .max = 2, .check = check_families},                               \
    {.name = "addresses", .type = CFG_STRLIST, .offset = offsetof(st, addresses), .max = 16, \
     .check = check_plain_list}

static const cfg_field smtp_fields[] = {LISTENER_FIELDS(mc_smtp, "25")};
static const cfg_schema smtp_schema = {
    .size = sizeof(mc_smtp), .fields = smtp_fields,
    .nfields = sizeof smtp_fields / sizeof smtp_fields[0],
};

static const cfg_field tls_fields[] = {
    {.name = "cert", .type = CFG_STRING, .offset = offsetof(mc_tls, cert), .check = check_path},
    {.name = "key", .type = CFG_STRING, .offset = offsetof(mc_tls, key), .check = check_path},
    {.name = "ca", .type = CFG_STRING, .offset = offsetof(mc_tls, ca), .check = check_path},
};
static const cfg_schema tls_schema = {
    .size = sizeof(mc_tls), .fields = tls_fields,
    .nfields = sizeof tls_fields / sizeof tls_fields[0],
};

static const cfg_field submission_fields[] = {
    LISTENER_FIELDS(mc_submission, "587"),
    {.name = "auth_mechanisms", .type = CFG_STRLIST,
     .offset = offsetof(mc_submission, auth_mechanisms), .def = "PLAIN,LOGIN", .max = 8,
     .check = check_mechanisms},
    {.name = "sasl_pwcheck", .type = CFG_STRING, .offset = offsetof(mc_submission, sasl_pwcheck),
     .def = "auxprop", .check = check_pwcheck},
    {.name = "sasldb", .type = CFG_STRING, .offset = offsetof(mc_submission, sasldb),
     .def = MC_SASLDB_DEFAULT, .check = check_path},
    {.name = "tls", .type = CFG_GROUP, .offset = offsetof(mc_submission, tls), .sub = &tls_schema},
};
static const cfg_schema submission_schema = {
    .size = sizeof(mc_submission), .fields = submission_fields,
    .nfields = sizeof submission_fields / sizeof submission_fields[0],
};

static const cfg_field auth_fields[] = {
    {.name = "user", .type = CFG_STRING, .offset = offsetof(mc_smarthost_auth, user),
     .max = 255, .check = check_plain},
    {.name = "password_file", .type = CFG_STRING,
     .offset = offsetof(mc_smarthost_auth, password_file), .check = check_path},
    {.name = "mechanisms", .type = CFG_STRLIST, .offset = offsetof(mc_smarthost_auth, mechanisms),
     .def = "PLAIN,LOGIN", .max = 8, .check = check_mechanisms},
};
static const cfg_schema auth_schema = {
    .size = sizeof(mc_smarthost_auth), .fields = auth_fields,
    .nfields = sizeof auth_fields / sizeof auth_fields[0],
};

static const cfg_field smarthost_fields[] = {
    {.name = "host", .type = CFG_STRING, .offset = offsetof(mc_smarthost, host), .max = 253,
     .check = check_host},
    {.name = "port", .type = CFG_INT, .offset = offsetof(mc_smarthost, port), .def = "587",
     .min = 1, .max = 65535},
    {.name = "tls", .type = CFG_STRING, .offset = offsetof(mc_smarthost, tls), .def = "starttls",
     .check = check_tls_mode},
    {.name = "auth", .type = CFG_GROUP, .offset = offsetof(mc_smarthost, auth),
     .sub = &auth_schema},
};
static const cfg_schema smarthost_schema = {
    .size = sizeof(mc_smarthost), .fields = smarthost_fields,
    .nfields = sizeof smarthost_fields / sizeof smarthost_fields[0],
};

static const cfg_field postfix_fields[] = {
    {.name = "chroot", .type = CFG_BOOL, .offset = offsetof(mc_postfix_opts, chroot),
     .def = "true"},
    {.name = "queue_directory", .type = CFG_STRING,
     .offset = offsetof(mc_postfix_opts, queue_directory), .def = "/var/spool/postfix",
     .check = check_path},
};
static const cfg_schema postfix_schema = {
    .size = sizeof(mc_postfix_opts), .fields = postfix_fields,
    .nfields = sizeof postfix_fields / sizeof postfix_fields[0],
};

static int check_path_list(const void *value, const char **error_r)
{
    const cfg_strlist *l = value;

    for (size_t i = 0; i < l->count; i++)
        if (check_path(&l->items[i], error_r) < 0)
            return -1;
    return 0;
}

static const cfg_field sendmail_fields[] = {
    {.name = "include", .type = CFG_STRLIST, .offset = offsetof(mc_sendmail_opts, include),
     .max = 16, .check = check_path_list},
};
static const cfg_schema sendmail_schema = {
    .size = sizeof(mc_sendmail_opts), .fields = sendmail_fields,
    .nfields = sizeof sendmail_fields / sizeof sendmail_fields[0],
};

static int mta_check(void *obj, str_t *err)
{
    mta_settings *s = obj;
    const mc_smarthost *h = &s->smarthost;
    int rc = 0;

    if (h->auth.user != NULL && h->auth.password_file == NULL) {
        str_append_cstr(err, "smarthost.auth.password_file: required with smarthost.auth.user\n");
        rc = -1;
    }
    if (h->host == NULL && h->auth.user != NULL) {
        str_append_cstr(err, "smarthost.host: required with smarthost.auth\n");
        rc = -1;
    }
    if (s->submission.enable && s->submission.families.count == 0 &&
        s->submission.addresses.count == 0) {
        str_append_cstr(err, "submission.families: empty, so nothing would listen\n");
        rc = -1;
    }
    if ((s->submission.tls.cert == NULL) != (s->submission.tls.key == NULL)) {
        str_append_cstr(err, "submission.tls: set both cert and key, or neither\n");
        rc = -1;
    }
    return rc;
}

#define F(member, nm, ty, df) CFG_FIELD(mta_settings, member, nm, ty, df)
static const cfg_field mta_fields[] = {
    {.name = "flavor", .type = CFG_STRING, .offset = offsetof(mta_settings, flavor),
     .def = "sendmail", .check = check_flavor},
    {.name = "config_dir", .type = CFG_STRING, .offset = offsetof(mta_settings, config_dir),
     .check = check_path},
    {.name = "smtp", .type = CFG_GROUP, .offset = offsetof(mta_settings, smtp),
     .sub = &smtp_schema},
    {.name = "submission", .type = CFG_GROUP, .offset = offsetof(mta_settings, submission),
     .sub = &submission_schema},
    {.name = "smarthost", .type = CFG_GROUP, .offset = offsetof(mta_settings, smarthost),
     .sub = &smarthost_schema},
    {.name = "local_host_names", .type = CFG_STRLIST,
     .offset = offsetof(mta_settings, local_host_names), .max = 1000, .check = check_plain_list},
    F(access_db, "access_db", CFG_BOOL, "true"),
    {.name = "milter_timeouts", .type = CFG_STRING,
     .offset = offsetof(mta_settings, milter_timeouts), .def = "C:10s;S:1m;R:1m;E:5m",
     .check = check_timeouts},
    {.name = "postfix", .type = CFG_GROUP, .offset = offsetof(mta_settings, postfix),
     .sub = &postfix_schema},
    {.name = "sendmail", .type = CFG_GROUP, .offset = offsetof(mta_settings, sendmail),
     .sub = &sendmail_schema},
};
#undef F

const cfg_schema mta_schema = {
    .size = sizeof(mta_settings), .fields = mta_fields,
    .nfields = sizeof mta_fields / sizeof mta_fields[0], .check = mta_check,
};

const char *mc_settings_config_dir(const mta_settings *s, const char *flavor)
{
    if (s->config_dir != NULL)
        return s->config_dir;
    return strcmp(flavor, "postfix") == 0 ? "/etc/postfix" : "/etc/mail";
}
