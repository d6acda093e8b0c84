/* cfg.c - milterkit.conf loaded against declarative schemas; see cfg.h. */
#include "config.h"

#include "core/cfg.h"

#include "core/cfghint.h"
#include "core/cidr.h"
#include "core/mem.h"
#include "core/sockspec.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CFG_LIST_MAX_DEFAULT 10000
#define CFG_STRING_MAX_DEFAULT 4096
/* Characters of a value quoted in an error message. */
#define CFG_SHOWN_MAX 80

/* Where an error is reported, and the key path leading to it. */
typedef struct walk {
    const char *path;
    str_t *errors;
    int nerrors;
} walk;

static void *field_ptr(void *obj, const cfg_field *f)
{
    return (char *)obj + f->offset;
}

static void report(walk *w, const config_setting_t *s, const char *key, const char *msg)
{
    const char *file = s ? config_setting_source_file(s) : NULL;

    str_printf(w->errors, "%s:%u: %s: %s\n", file ? file : w->path,
               s ? config_setting_source_line(s) : 0, key, msg);
    w->nerrors++;
}

/* Appends "VALUE" to out: printable, shortened, for an error message. */
static void append_quoted(str_t *out, const char *v)
{
    size_t n = strlen(v);

    str_append_char(out, '"');
    for (size_t i = 0; i < n && i < CFG_SHOWN_MAX; i++) {
        unsigned char c = (unsigned char)v[i];

        if (c == '"' || c == '\\')
            str_printf(out, "\\%c", c);
        else if (isprint(c))
            str_append_char(out, (char)c);
        else
            str_printf(out, "\\x%02x", c);
    }
    str_append_cstr(out, n > CFG_SHOWN_MAX ? "\"..." : "\"");
}

/* report() of '"VALUE": why'. */
static void report_value(walk *w, const config_setting_t *s, const char *key, const char *value,
                         const char *why)
{
    str_t msg;

    str_init(&msg);
    append_quoted(&msg, value);
    str_printf(&msg, ": %s", why);
    report(w, s, key, msg.buf);
    str_free(&msg);
}

/* ---- enums ---- */

static const cfg_enum_name *enum_find(const cfg_enum_name *names, const char *name)
{
    for (; names != NULL && names->name != NULL; names++)
        if (strcmp(names->name, name) == 0)
            return names;
    return NULL;
}

const char *cfg_enum_name_of(const cfg_enum_name *names, int value)
{
    for (; names != NULL && names->name != NULL; names++)
        if (names->value == value)
            return names->name;
    return "?";
}

/* 'must be "a", "b" or "c", not "x"; did you mean "a"?' */
static void enum_error(walk *w, const cfg_field *f, const config_setting_t *s, const char *key,
                       const char *v)
{
    str_t msg;
    cfghint_nearest near;

    str_init(&msg);
    str_append_cstr(&msg, "must be ");
    cfghint_nearest_init(&near, v);
    for (const cfg_enum_name *e = f->names; e->name != NULL; e++) {
        if (e != f->names)
            str_append_cstr(&msg, e[1].name == NULL ? " or " : ", ");
        str_printf(&msg, "\"%s\"", e->name);
        cfghint_nearest_offer(&near, e->name);
    }
    str_append_cstr(&msg, ", not ");
    append_quoted(&msg, v);
    cfghint_nearest_append(&near, &msg);
    report(w, s, key, msg.buf);
    str_free(&msg);
}

static int read_enum(walk *w, const cfg_field *f, const config_setting_t *s, const char *key,
                     int *out)
{
    const char *v = config_setting_get_string(s);
    const cfg_enum_name *e;

    if (v == NULL) {
        report(w, s, key, "must be a string in double quotes");
        return -1;
    }
    e = enum_find(f->names, v);
    if (e == NULL) {
        enum_error(w, f, s, key, v);
        return -1;
    }
    *out = e->value;
    return 0;
}

/* ---- defaults and freeing ---- */

static void strlist_from_text(cfg_strlist *l, const char *text)
{
    const char *p = text;

    l->items = NULL;
    l->count = 0;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);

        l->items = mem_realloc_array(l->items, l->count + 1, sizeof *l->items);
        l->items[l->count++] = mem_strndup(p, n);
        p += n + (comma ? 1 : 0);
    }
}

void cfg_strlist_free(cfg_strlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        mem_free(&l->items[i]);
    mem_free(&l->items);
    l->count = 0;
}

void cfg_defaults(const cfg_schema *schema, void *obj)
{
    memset(obj, 0, schema->size);
    for (size_t i = 0; i < schema->nfields; i++) {
        const cfg_field *f = &schema->fields[i];
        void *p = field_ptr(obj, f);

        switch (f->type) {
        case CFG_BOOL:
            *(bool *)p = f->def != NULL && strcmp(f->def, "true") == 0;
            break;
        case CFG_INT:
            *(long *)p = f->def ? strtol(f->def, NULL, 10) : 0;
            break;
        case CFG_STRING:
            *(char **)p = f->def ? mem_strdup(f->def) : NULL;
            break;
        case CFG_STRLIST:
            strlist_from_text(p, f->def ? f->def : "");
            break;
        case CFG_GROUP:
            cfg_defaults(f->sub, p);
            break;
        case CFG_GROUPLIST:
            ((cfg_list *)p)->items = NULL;
            ((cfg_list *)p)->count = 0;
            break;
        case CFG_ENUM: {
            const cfg_enum_name *e = f->def ? enum_find(f->names, f->def) : f->names;

            if (e == NULL || e->name == NULL)
                panic("cfg: default \"%s\" of %s is not in its names", f->def ? f->def : "",
                      f->name);
            *(int *)p = e->value;
            break;
        }
        }
    }
}

void cfg_free(const cfg_schema *schema, void *obj)
{
    if (schema->release)
        schema->release(obj);
    for (size_t i = 0; i < schema->nfields; i++) {
        const cfg_field *f = &schema->fields[i];
        void *p = field_ptr(obj, f);

        switch (f->type) {
        case CFG_STRING:
            mem_free((char **)p);
            break;
        case CFG_STRLIST:
            cfg_strlist_free(p);
            break;
        case CFG_GROUP:
            cfg_free(f->sub, p);
            break;
        case CFG_GROUPLIST: {
            cfg_list *l = p;

            for (size_t j = 0; j < l->count; j++)
                cfg_free(f->sub, (char *)l->items + j * f->sub->size);
            mem_free(&l->items);
            l->count = 0;
            break;
        }
        default:
            break;
        }
    }
    memset(obj, 0, schema->size);
}

/* ---- reading values ---- */

static void read_group(walk *w, const cfg_schema *schema, void *obj,
                       const config_setting_t *group, const char *prefix);

static int read_string(walk *w, const cfg_field *f, const config_setting_t *s, const char *key,
                       char **out)
{
    const char *v = config_setting_get_string(s);
    size_t max = f->max > 0 ? (size_t)f->max : CFG_STRING_MAX_DEFAULT;

    if (v == NULL) {
        report(w, s, key, "must be a string in double quotes");
        return -1;
    }
    if (strlen(v) > max) {
        report(w, s, key, "string too long");
        return -1;
    }
    mem_free(out);
    *out = mem_strdup(v);
    return 0;
}

static int read_strlist(walk *w, const cfg_field *f, const config_setting_t *s, const char *key,
                        cfg_strlist *l)
{
    int type = config_setting_type(s);
    int n;
    size_t max = f->max > 0 ? (size_t)f->max : CFG_LIST_MAX_DEFAULT;

    if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
        report(w, s, key, "must be a list of strings [\"a\", \"b\"]");
        return -1;
    }
    n = config_setting_length(s);
    if (n < 0 || (size_t)n > max) {
        report(w, s, key, "too many entries");
        return -1;
    }
    cfg_strlist_free(l);
    l->items = mem_array((size_t)n + 1, sizeof *l->items);
    for (int i = 0; i < n; i++) {
        const char *v = config_setting_get_string_elem(s, i);

        if (v == NULL) {
            report(w, s, key, "every entry must be a string in double quotes");
            return -1;
        }
        l->items[l->count++] = mem_strdup(v);
    }
    return 0;
}

static int read_int(walk *w, const cfg_field *f, const config_setting_t *s, const char *key,
                    long *out)
{
    int type = config_setting_type(s);
    long long v;

    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
        report(w, s, key, "must be an integer");
        return -1;
    }
    v = config_setting_get_int64(s);
    if (v < f->min || v > f->max) {
        str_t msg;

        str_init(&msg);
        str_printf(&msg, "%lld is out of range (%ld to %ld)", v, f->min, f->max);
        report(w, s, key, msg.buf);
        str_free(&msg);
        return -1;
    }
    *out = (long)v;
    return 0;
}

static int read_grouplist(walk *w, const cfg_field *f, const config_setting_t *s,
                          const char *key, cfg_list *l)
{
    int n;
    size_t max = f->max > 0 ? (size_t)f->max : CFG_LIST_MAX_DEFAULT;

    if (config_setting_type(s) != CONFIG_TYPE_LIST) {
        report(w, s, key, "must be a list of groups ( { ... }, { ... } )");
        return -1;
    }
    n = config_setting_length(s);
    if (n < 0 || (size_t)n > max) {
        report(w, s, key, "too many entries");
        return -1;
    }
    l->items = mem_array((size_t)n + 1, f->sub->size);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        void *obj = (char *)l->items + (size_t)i * f->sub->size;
        str_t sub;

        cfg_defaults(f->sub, obj);
        l->count++;
        str_init(&sub);
        str_printf(&sub, "%s[%d]", key, i);
        if (config_setting_type(e) != CONFIG_TYPE_GROUP)
            report(w, e, sub.buf, "must be a group { ... }");
        else
            read_group(w, f->sub, obj, e, sub.buf);
        str_free(&sub);
    }
    return 0;
}

/* Runs f->each on the string or on every item of the list at p. */
static int check_each(walk *w, const cfg_field *f, const void *p, const config_setting_t *s,
                      const char *key)
{
    const char *why = NULL;
    int rc = 0;

    if (f->type == CFG_STRING) {
        const char *v = *(char *const *)p;

        if (v != NULL && f->each(v, &why) < 0) {
            report_value(w, s, key, v, why);
            rc = -1;
        }
    } else if (f->type == CFG_STRLIST) {
        const cfg_strlist *l = p;

        for (size_t i = 0; i < l->count; i++)
            if (f->each(l->items[i], &why) < 0) {
                report_value(w, s, key, l->items[i], why);
                rc = -1;
            }
    }
    return rc;
}

static void read_field(walk *w, const cfg_field *f, void *obj, const config_setting_t *s,
                       const char *key)
{
    void *p = field_ptr(obj, f);
    int rc = 0;
    const char *why = NULL;

    switch (f->type) {
    case CFG_BOOL:
        if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
            report(w, s, key, "must be true or false");
            return;
        }
        *(bool *)p = config_setting_get_bool(s) != 0;
        break;
    case CFG_INT:
        rc = read_int(w, f, s, key, p);
        break;
    case CFG_STRING:
        rc = read_string(w, f, s, key, p);
        break;
    case CFG_STRLIST:
        rc = read_strlist(w, f, s, key, p);
        break;
    case CFG_GROUP:
        if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
            report(w, s, key, "must be a group { ... }");
            return;
        }
        read_group(w, f->sub, p, s, key);
        break;
    case CFG_GROUPLIST:
        rc = read_grouplist(w, f, s, key, p);
        break;
    case CFG_ENUM:
        rc = read_enum(w, f, s, key, p);
        break;
    }
    if (rc == 0 && f->each != NULL)
        rc = check_each(w, f, p, s, key);
    if (rc == 0 && f->check != NULL && f->check(p, &why) < 0)
        report(w, s, key, why);
}

static const cfg_field *find_field(const cfg_schema *schema, const char *name)
{
    for (size_t i = 0; i < schema->nfields; i++)
        if (strcmp(schema->fields[i].name, name) == 0)
            return &schema->fields[i];
    return NULL;
}

/* "unknown key; did you mean "NAME"?" against the fields of schema. */
static void unknown_key(walk *w, const cfg_schema *schema, const config_setting_t *s,
                        const char *name, const char *key)
{
    cfghint_nearest near;
    str_t msg;

    cfghint_nearest_init(&near, name);
    for (size_t i = 0; i < schema->nfields; i++)
        cfghint_nearest_offer(&near, schema->fields[i].name);
    str_init(&msg);
    str_append_cstr(&msg, "unknown key");
    cfghint_nearest_append(&near, &msg);
    report(w, s, key, msg.buf);
    str_free(&msg);
}

/* Whether the struct check may run: none of the fields it reads failed. */
static bool check_may_run(const cfg_schema *schema, const bool *failed)
{
    const char *p = schema->check_reads;

    for (size_t i = 0; i < schema->nfields; i++) {
        const char *name = schema->fields[i].name;
        size_t n = strlen(name);
        bool reads = p == NULL;

        for (const char *q = p; q != NULL && !reads; q = strchr(q, ',') ? strchr(q, ',') + 1 : NULL)
            reads = strncmp(q, name, n) == 0 && (q[n] == ',' || q[n] == '\0');
        if (reads && failed[i])
            return false;
    }
    return true;
}

/* One line of a struct check's message: at the line of the field it starts
 * with ("as: ..."), else at the group's line. */
static void report_check_line(walk *w, const cfg_schema *schema, const config_setting_t *group,
                              const char *prefix, const char *line)
{
    for (size_t i = 0; i < schema->nfields; i++) {
        const char *name = schema->fields[i].name;
        size_t n = strlen(name);

        if (strncmp(line, name, n) == 0 && line[n] == ':' && line[n + 1] == ' ') {
            const config_setting_t *s = config_setting_get_member(group, name);
            str_t key;

            str_init(&key);
            str_printf(&key, "%s.%s", prefix, name);
            report(w, s ? s : group, key.buf, line + n + 2);
            str_free(&key);
            return;
        }
    }
    report(w, group, prefix, line);
}

static void run_check(walk *w, const cfg_schema *schema, void *obj,
                      const config_setting_t *group, const char *prefix)
{
    str_t why;

    str_init(&why);
    if (schema->check(obj, &why) < 0) {
        char *line = why.buf;

        while (*line) {
            char *nl = strchr(line, '\n');

            if (nl)
                *nl = '\0';
            if (*line)
                report_check_line(w, schema, group, prefix, line);
            if (nl == NULL)
                break;
            line = nl + 1;
        }
    }
    str_free(&why);
}

static void read_group(walk *w, const cfg_schema *schema, void *obj,
                       const config_setting_t *group, const char *prefix)
{
    int n = config_setting_length(group);
    bool *failed = mem_array(schema->nfields + 1, sizeof *failed);

    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(s);
        const cfg_field *f = name ? find_field(schema, name) : NULL;
        str_t key;

        str_init(&key);
        str_printf(&key, "%s.%s", prefix, name ? name : "?");
        if (f == NULL) {
            unknown_key(w, schema, s, name ? name : "?", key.buf);
        } else {
            int before = w->nerrors;

            read_field(w, f, obj, s, key.buf);
            if (w->nerrors != before)
                failed[f - schema->fields] = true;
        }
        str_free(&key);
    }
    for (size_t i = 0; i < schema->nfields; i++) {
        const cfg_field *f = &schema->fields[i];

        if (f->required && config_setting_get_member(group, f->name) == NULL) {
            str_t key;

            str_init(&key);
            str_printf(&key, "%s.%s", prefix, f->name);
            report(w, group, key.buf, "is required");
            str_free(&key);
            failed[i] = true;
        }
    }
    if (schema->check != NULL && check_may_run(schema, failed))
        run_check(w, schema, obj, group, prefix);
    mem_free(&failed);
}

/* ---- the file ---- */

static const cfg_section *find_section(const cfg_section *sections, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(sections[i].name, name) == 0)
            return &sections[i];
    return NULL;
}

static void unknown_section(walk *w, const cfg_section *sections, size_t n,
                            const config_setting_t *s, const char *name)
{
    cfghint_nearest near;
    str_t msg;

    cfghint_nearest_init(&near, name);
    for (size_t i = 0; i < n; i++)
        cfghint_nearest_offer(&near, sections[i].name);
    str_init(&msg);
    str_append_cstr(&msg, "unknown section");
    cfghint_nearest_append(&near, &msg);
    report(w, s, name, msg.buf);
    str_free(&msg);
}

int cfg_peek_strlist(const char *path, const char *key, cfg_strlist *out)
{
    config_t cf;
    const config_setting_t *s = NULL;
    int rc = -1;

    out->items = NULL;
    out->count = 0;
    config_init(&cf);
    if (config_read_file(&cf, path) == CONFIG_TRUE)
        s = config_lookup(&cf, key);
    if (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING) {
        out->items = mem_array(1, sizeof *out->items);
        out->items[out->count++] = mem_strdup(config_setting_get_string(s));
        rc = 0;
    } else if (s != NULL && (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
                             config_setting_type(s) == CONFIG_TYPE_LIST)) {
        int n = config_setting_length(s);

        rc = 0;
        out->items = mem_array((size_t)(n > 0 ? n : 0) + 1, sizeof *out->items);
        for (int i = 0; i < n && rc == 0; i++) {
            const char *v = config_setting_get_string_elem(s, i);

            if (v == NULL)
                rc = -1;
            else
                out->items[out->count++] = mem_strdup(v);
        }
        if (rc < 0)
            cfg_strlist_free(out);
    }
    config_destroy(&cf);
    return rc;
}

/* Appends key as the loader's errors write it: "dkim.keys[0].key" for
 * libconfig's "dkim.keys.[0].key". */
static void append_key(str_t *out, const char *key)
{
    for (const char *p = key; *p; p++)
        if (!(p[0] == '.' && p[1] == '['))
            str_append_char(out, *p);
}

void cfg_where(const char *path, const char *key, str_t *out)
{
    config_t cf;
    const config_setting_t *s = NULL;

    config_init(&cf);
    if (config_read_file(&cf, path) == CONFIG_TRUE)
        s = config_lookup(&cf, key);
    if (s != NULL && config_setting_source_line(s) > 0) {
        const char *file = config_setting_source_file(s);

        str_printf(out, "%s:%u: ", file ? file : path, config_setting_source_line(s));
    } else {
        str_printf(out, "%s: ", path);
    }
    append_key(out, key);
    str_append_cstr(out, ": ");
    config_destroy(&cf);
}

void cfg_error_at(const char *path, const char *key, str_t *errors, const char *fmt, ...)
{
    va_list ap;

    cfg_where(path, key, errors);
    va_start(ap, fmt);
    str_vprintf(errors, fmt, ap);
    va_end(ap);
    str_append_cstr(errors, "\n");
}

int cfg_load(const char *path, const cfg_section *sections, size_t nsections, str_t *errors)
{
    config_t cf;
    walk w = {.path = path, .errors = errors, .nerrors = 0};
    const config_setting_t *root;

    for (size_t i = 0; i < nsections; i++)
        if (sections[i].schema)
            cfg_defaults(sections[i].schema, sections[i].obj);
    config_init(&cf);
    if (config_read_file(&cf, path) != CONFIG_TRUE) {
        const char *file = config_error_file(&cf);

        if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
            str_printf(errors, "%s: cannot read: %s\n", path, strerror(errno));
        else
            cfghint_syntax(file ? file : path, config_error_line(&cf), config_error_text(&cf),
                           errors);
        w.nerrors++;
    } else {
        root = config_root_setting(&cf);
        for (int i = 0; i < config_setting_length(root); i++) {
            const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
            const char *name = config_setting_name(s);
            const cfg_section *sec = name ? find_section(sections, nsections, name) : NULL;

            if (sec == NULL)
                unknown_section(&w, sections, nsections, s, name ? name : "?");
            else if (config_setting_type(s) != CONFIG_TYPE_GROUP)
                report(&w, s, name, "must be a group { ... }");
            else if (sec->schema != NULL)
                read_group(&w, sec->schema, sec->obj, s, name);
        }
        /* The required settings of sections not in the file have no line
         * to name: say that the section is missing. */
        for (size_t i = 0; i < nsections; i++) {
            const cfg_section *sec = &sections[i];

            if (sec->schema && config_lookup(&cf, sec->name) == NULL)
                for (size_t j = 0; j < sec->schema->nfields; j++)
                    if (sec->schema->fields[j].required) {
                        str_printf(errors,
                                   "%s: %s.%s: is required, and the file has no %s section\n",
                                   path, sec->name, sec->schema->fields[j].name, sec->name);
                        w.nerrors++;
                    }
        }
    }
    config_destroy(&cf);
    if (w.nerrors == 0)
        return 0;
    for (size_t i = 0; i < nsections; i++)
        if (sections[i].schema)
            cfg_free(sections[i].schema, sections[i].obj);
    return -1;
}

/* ---- ready-made checks ---- */

int cfg_check_cidr_list(const void *value, const char **error_r)
{
    const cfg_strlist *l = value;
    cidr c;

    for (size_t i = 0; i < l->count; i++)
        if (cidr_parse(l->items[i], &c, error_r) < 0)
            return -1;
    return 0;
}

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int cfg_check_socket(const void *value, const char **error_r)
{
    const char *s = *(char *const *)value;
    const char *at, *port, *path;

    if (s == NULL)
        return 0;
    if ((path = sockspec_unix_path(s)) != NULL) {
        if (*path != '/') {
            *error_r = "unix socket path must be absolute (unix:/run/milterkit-dkim/dkim.sock)";
            return -1;
        }
        return 0;
    }
    if (strncmp(s, "inet:", 5) == 0)
        port = s + 5;
    else if (strncmp(s, "inet6:", 6) == 0)
        port = s + 6;
    else {
        *error_r = "socket must be unix:PATH, inet:PORT@HOST or inet6:PORT@HOST";
        return -1;
    }
    at = strchr(port, '@');
    {
        char buf[8];
        size_t n = at ? (size_t)(at - port) : strlen(port);
        long v;

        if (n == 0 || n >= sizeof buf) {
            *error_r = "bad port in socket";
            return -1;
        }
        memcpy(buf, port, n);
        buf[n] = '\0';
        v = all_digits(buf) ? strtol(buf, NULL, 10) : -1;
        if (v < 1 || v > 65535) {
            *error_r = "bad port in socket (1 to 65535)";
            return -1;
        }
    }
    if (at != NULL && at[1] == '\0') {
        *error_r = "empty host after @ in socket";
        return -1;
    }
    return 0;
}

int cfg_check_octal_mode(const void *value, const char **error_r)
{
    const char *s = *(char *const *)value;
    char *end;
    long v;

    if (s == NULL)
        return 0;
    errno = 0;
    v = strtol(s, &end, 8);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 0777) {
        *error_r = "must be an octal file mode such as \"0660\"";
        return -1;
    }
    return 0;
}

bool cfg_strlist_contains(const cfg_strlist *l, const char *s, bool nocase)
{
    for (size_t i = 0; i < l->count; i++)
        if (nocase ? strcasecmp(l->items[i], s) == 0 : strcmp(l->items[i], s) == 0)
            return true;
    return false;
}
