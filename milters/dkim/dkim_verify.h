/*
 * dkim_verify.h - DKIM verification of one message with libopendkim.
 *
 * One library handle per config (dkim_verify_lib_new, from prepare()); one
 * dkim_vmsg per message.  Headers are given as libmilter hands them
 * (SMFIP_HDR_LEADSPC values, folds joined by "\n"); the body is streamed in
 * chunks and never kept.  Keys come from the policy's key source
 * (dkim_policy_key_lookup: lib/dns or the test file) through libopendkim's
 * key lookup hook.  At most dkim.max_signatures signatures are evaluated;
 * the others are counted as not evaluated.
 *
 * Thread-safety: a library handle is shared by all threads; a dkim_vmsg has
 * one owner.
 */
#ifndef MK_DKIM_VERIFY_H
#define MK_DKIM_VERIFY_H

#include <stddef.h>

#include "dkim_settings.h"
#include "str.h"

struct dkim_policy;

/* RFC 8601 result values of the dkim method. */
typedef enum dkim_res {
    DKIM_RES_NONE,
    DKIM_RES_PASS,
    DKIM_RES_FAIL,
    DKIM_RES_NEUTRAL,
    DKIM_RES_POLICY,
    DKIM_RES_TEMPERROR,
    DKIM_RES_PERMERROR,
} dkim_res;

/* One evaluated signature; strings owned by the dkim_vmsg (may be NULL). */
typedef struct dkim_vresult {
    dkim_res res;
    const char *d, *i, *a, *s;
    const char *b8;     /* first 8 characters of b= */
    const char *reason; /* for everything but pass; static */
} dkim_vresult;

/* "pass", "fail", ... */
const char *dkim_res_name(dkim_res r);

/* A library handle for settings s in *lib; -1 with errors appended on failure. */
int dkim_verify_lib_new(const dkim_settings *s, void **lib, str_t *errors);
void dkim_verify_lib_free(void **lib);

typedef struct dkim_vmsg dkim_vmsg;

/* Starts a message; NULL (logged) when libopendkim fails: an internal error. */
dkim_vmsg *dkim_verify_start(struct dkim_policy *p, const char *qid);
/* Feeds one header field; returns -1 on an internal error. */
int dkim_verify_header(dkim_vmsg *v, const char *name, const char *value);
/* End of headers: 0, or -1 on an internal error. */
int dkim_verify_eoh(dkim_vmsg *v);
/* A body chunk: 0, or -1 on an internal error. */
int dkim_verify_body(dkim_vmsg *v, const unsigned char *data, size_t len);
/*
 * End of message: the results of the evaluated signatures in *res[0..*n)
 * (valid until dkim_verify_free), *skipped = signatures not evaluated.
 * *n == 0 and *skipped == 0: the message is unsigned.  Returns 0, or -1 on
 * an internal error (logged).
 */
int dkim_verify_finish(dkim_vmsg *v, const dkim_vresult **res, size_t *n, size_t *skipped);
void dkim_verify_free(dkim_vmsg **v);

#endif
