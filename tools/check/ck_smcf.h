/*
 * ck_smcf.h - a reader of sendmail.cf for milterkit-check: the mail filter
 * definitions ("Xname, S=socket, F=flags, T=timeouts"), the order they are
 * called in ("O InputMailFilters=a, b, c"), the daemons
 * ("O DaemonPortOptions=Port=587, Name=MSA, M=Ea") and "O RunAsUser".
 *
 * sendmail.cf syntax (sendmail's op.me): the first character of a line
 * says what it is; a line starting with a space or a tab continues the
 * one before; "#" starts a comment line.  Everything else is ignored here.
 * The file is untrusted input: the reader is bounded (CK_SMCF_MAX_*),
 * never reads past len and accepts any bytes.  Pure; reentrant (fuzzed in
 * tests/fuzz/fuzz_check_mtaconf.c).
 */
#ifndef MK_CK_SMCF_H
#define MK_CK_SMCF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

#define CK_SMCF_MAX_LEN (4 * 1024 * 1024) /* bytes of sendmail.cf read */
#define CK_SMCF_MAX_ITEMS 256             /* filters, daemons, names kept */

typedef struct ck_sm_filter {
    char *name;
    char *socket; /* the S= equate, or NULL */
    char *flags;  /* the F= equate, or NULL */
} ck_sm_filter;

typedef struct ck_smcf {
    ck_sm_filter *filters; /* every X line, in file order */
    size_t nfilters;
    bool has_input;        /* an InputMailFilters option is set */
    char **input;          /* its names, in order */
    size_t ninput;
    char **daemons;        /* every DaemonPortOptions value */
    size_t ndaemons;
    char *run_as_user;     /* RunAsUser, or NULL */
} ck_smcf;

/* Reads text.  Returns 0, or -1 with *error_r set (too long, too many
 * items) and out left empty.  Free with ck_smcf_free(). */
int ck_smcf_parse(const char *text, size_t len, ck_smcf *out, const char **error_r);
void ck_smcf_free(ck_smcf *cf);

/* The filter called name, or NULL. */
const ck_sm_filter *ck_smcf_filter(const ck_smcf *cf, const char *name);

/* The value of key in a DaemonPortOptions value ("Port=587, Name=MSA"),
 * appended to out.  Returns 0, or -1 when it is not there.  Keys compare without case,
 * as sendmail's do. */
int ck_smcf_daemon_opt(const char *opts, const char *key, str_t *out);

#endif
