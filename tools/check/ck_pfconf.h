/*
 * ck_pfconf.h - readers of what Postfix's postconf(1) prints, for
 * milterkit-check:
 *   - "name = value" lines (postconf NAME..., postconf -P: "service/type/
 *     name = value", postconf -F: "service/type/field = value"); a line
 *     that starts with whitespace continues the one before (postconf folds
 *     long values on a terminal);
 *   - a milter list (smtpd_milters, non_smtpd_milters): sockets separated
 *     by whitespace or commas, or "{ socket, name = value, ... }" groups
 *     with per-milter settings (Postfix 3.0), of which default_action is
 *     kept.
 * The text comes from a program whose input we do not control (main.cf,
 * master.cf): the readers are bounded (CK_PF_MAX_* below), never read past
 * len, and accept any bytes.  Pure; reentrant (fuzzed in
 * tests/fuzz/fuzz_check_mtaconf.c).
 */
#ifndef MK_CK_PFCONF_H
#define MK_CK_PFCONF_H

#include <stddef.h>

#define CK_PF_MAX_LINES 20000   /* settings kept from one output */
#define CK_PF_MAX_VALUE 65536   /* bytes of one value (longer: refused) */
#define CK_PF_MAX_MILTERS 64    /* milters in one list */

typedef struct ck_kv {
    char *name, *value; /* value trimmed; both NUL-free, owned */
} ck_kv;

typedef struct ck_kvlist {
    ck_kv *items;
    size_t count, cap;
} ck_kvlist;

/*
 * Reads "name = value" lines.  Lines without " = " (or "=") and empty
 * lines are skipped.  Returns 0, or -1 with *error_r set (a NUL byte, too
 * many lines, a value over the limit) and out left empty.
 */
int ck_pf_parse_params(const char *text, size_t len, ck_kvlist *out, const char **error_r);
/* The value of the first setting called name, or NULL. */
const char *ck_kvlist_get(const ck_kvlist *l, const char *name);
void ck_kvlist_free(ck_kvlist *l);

typedef struct ck_pf_milter {
    char *socket;         /* as written */
    char *default_action; /* the group's default_action, or NULL */
} ck_pf_milter;

typedef struct ck_pf_milters {
    ck_pf_milter *items;
    size_t count;
} ck_pf_milters;

/*
 * Reads a milter list.  Returns 0, or -1 with *error_r set (an unclosed
 * or nested "{", an empty group, too many milters) and out left empty.
 */
int ck_pf_parse_milters(const char *value, ck_pf_milters *out, const char **error_r);
void ck_pf_milters_free(ck_pf_milters *m);

#endif
