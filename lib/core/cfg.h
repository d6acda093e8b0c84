/*
 * cfg.h - milterkit.conf (libconfig syntax) read against a declarative
 * schema.
 *
 * A schema is a table of fields {name, type, offset, default, min, max,
 * check} describing one struct; a section schema is applied to one
 * top-level group of the file ("site", "masq", ...).  The loader
 *   - fills every field with its default first (defaults live only in the
 *     schema tables, one place per part),
 *   - walks the file, rejecting unknown keys (with the nearest known key:
 *     'masq.domians: unknown key; did you mean "domains"?'), wrong types,
 *     values out of range and names not in an enum's table, naming
 *     FILE:LINE and the key's full path,
 *   - runs each field's check() and each() (each() errors quote the value),
 *     and the section's check() on what did load: it is skipped only when
 *     a field it reads (check_reads) failed, so one mistake gives one error
 *     and a second run finds nothing new,
 *   - explains a syntax error: libconfig's line, the text there, and where
 *     an unclosed bracket or quote began,
 *   - collects every error before failing.
 * Top-level sections that belong to other parts are accepted unread when
 * they are named in the caller's table with a NULL schema.
 *
 * Ownership: strings and lists in a loaded struct are owned by it and freed
 * by cfg_free().  The loader is not thread-safe (call it from one thread);
 * a loaded struct is read-only afterwards and may be shared by threads.
 */
#ifndef MK_CFG_H
#define MK_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

typedef enum cfg_type {
    CFG_BOOL,      /* bool */
    CFG_INT,       /* long, within [min, max] */
    CFG_STRING,    /* char * (NULL when unset and no default); max = max length */
    CFG_STRLIST,   /* cfg_strlist; max = max count (0: 10000) */
    CFG_GROUP,     /* a nested struct described by sub, stored at offset */
    CFG_GROUPLIST, /* cfg_list of sub->size-sized structs */
    CFG_ENUM,      /* int: the value of one of the names in the field's table */
} cfg_type;

/* One name of a CFG_ENUM field; a table ends with {NULL, 0}. */
typedef struct cfg_enum_name {
    const char *name;
    int value;
} cfg_enum_name;

typedef struct cfg_strlist {
    char **items;
    size_t count;
} cfg_strlist;

typedef struct cfg_list {
    void *items; /* count structs of the sub-schema's size */
    size_t count;
} cfg_list;

struct cfg_schema;

/* A field check: gets a pointer to the stored value; returns 0 or -1 with
 * *error_r set to a static message. */
typedef int cfg_check_fn(const void *value, const char **error_r);
/* An item check: gets one string (a CFG_STRING's value, or each item of a
 * CFG_STRLIST); returns 0 or -1 with *error_r set to a static message.  The
 * loader's error quotes the value: 'masq.domains: "a..b": empty label'. */
typedef int cfg_item_check_fn(const char *item, const char **error_r);

typedef struct cfg_field {
    const char *name;
    cfg_type type;
    size_t offset;
    const char *def; /* default as text: "true", "5", "x", "a,b,c"; NULL none */
    long min, max;
    cfg_check_fn *check;
    const struct cfg_schema *sub; /* CFG_GROUP, CFG_GROUPLIST */
    bool required;
    cfg_item_check_fn *each;      /* CFG_STRING, CFG_STRLIST: each string */
    const cfg_enum_name *names;   /* CFG_ENUM: the allowed names; def is one */
} cfg_field;

/* A whole-struct check, after all fields are read: append messages to err
 * (one per line, without file:line) and return -1, or return 0.  A line
 * that starts with a field's name and ": " ("as: not set") is reported at
 * that field's line with its full key ("FILE:LINE: masq.as: not set"). */
typedef int cfg_struct_check_fn(void *obj, str_t *err);

typedef struct cfg_schema {
    size_t size;
    const cfg_field *fields;
    size_t nfields;
    cfg_struct_check_fn *check;
    void (*release)(void *obj); /* frees what check() derived; called by cfg_free */
    /* The fields check() reads, comma-separated ("as,generics"): check()
     * runs unless one of them failed to load.  NULL: it runs only when
     * every field of the struct loaded. */
    const char *check_reads;
} cfg_schema;

typedef struct cfg_section {
    const char *name;         /* top-level group name */
    const cfg_schema *schema; /* NULL: known, belongs to another part, not read */
    void *obj;                /* where to store it */
} cfg_section;

/*
 * Loads path into the given sections.  Returns 0, or -1 with one error per
 * line appended to errors ("FILE:LINE: KEY: message").  On error every
 * section object is freed again (cfg_free) and must not be used.
 */
int cfg_load(const char *path, const cfg_section *sections, size_t nsections, str_t *errors);

/*
 * Appends "FILE:LINE: KEY: " for the setting at key (libconfig's path
 * syntax: "masq.generics", "dkim.keys.[0].key"; written as the loader's
 * errors write it, "dkim.keys[0].key"), or "FILE: KEY: " when the
 * file does not set it (a default) or cannot be read.  It reads the file
 * again: meant for the errors a part finds after loading (a key file, a
 * map), so that they name the line as the loader's own errors do.
 */
void cfg_where(const char *path, const char *key, str_t *out);
/* cfg_where(), then the message and a newline: one error line. */
void cfg_error_at(const char *path, const char *key, str_t *errors, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets every field of obj to its default (used by cfg_load; also for tests). */
void cfg_defaults(const cfg_schema *schema, void *obj);
/* Frees strings and lists held by obj (not obj itself); obj is zeroed. */
void cfg_free(const cfg_schema *schema, void *obj);

/* The name of value in an enum table, or "?" when it has none. */
const char *cfg_enum_name_of(const cfg_enum_name *names, int value);

/*
 * Reads the setting at key ("relay.local_domains") from path as a string
 * list (a single string counts as a list of one), without a schema: for
 * checks that look across sections and must not fail on another part's
 * errors.  Returns 0 with out filled (free with cfg_strlist_free), or -1
 * when the file cannot be read or does not set key to strings (out empty).
 */
int cfg_peek_strlist(const char *path, const char *key, cfg_strlist *out);
void cfg_strlist_free(cfg_strlist *l);

/* Ready-made checks, in the shape of cfg_check_fn: each returns 0, or -1
 * with *error_r set to a static message. */
int cfg_check_cidr_list(const void *value, const char **error_r);   /* cfg_strlist of CIDR */
int cfg_check_socket(const void *value, const char **error_r);      /* libmilter socket spec */
int cfg_check_octal_mode(const void *value, const char **error_r);  /* "0660" */
bool cfg_strlist_contains(const cfg_strlist *l, const char *s, bool nocase);

#define CFG_FIELD(st, member, nm, ty, df) \
    { .name = (nm), .type = (ty), .offset = offsetof(st, member), .def = (df) }

#endif
