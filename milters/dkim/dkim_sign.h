/*
 * dkim_sign.h - signing one message of trusted origin: the decision
 * (a key for the From domain, after the masquerade rewrite), the streaming
 * body hash, and the DKIM-Signature fields (one per key of the domain: RSA
 * and Ed25519 when it has both), all with lib/dkimsign and keys parsed once.
 *
 * Thread-safety: a dkim_sign has one owner.
 */
#ifndef MK_DKIM_SIGN_H
#define MK_DKIM_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "dkim_policy.h"
#include "core/str.h"

/* One header field as received (value with its leading space, folds "\n"). */
typedef struct dkim_hdr {
    char *name;
    char *value;
} dkim_hdr;

typedef enum dkim_sign_decision {
    DKIM_SIGN_NO,    /* verify instead; *why says why */
    DKIM_SIGN_YES,   /* *out is ready for the body */
    DKIM_SIGN_ERROR, /* internal error (*why): the message gets dkim.on_error */
} dkim_sign_decision;

typedef struct dkim_sign dkim_sign;

/*
 * Decides whether the message whose header fields are hdrs[0..n) (which
 * must outlive *out) is signed, for a message already known to be of
 * trusted origin.  over_limits: some fields were not kept (never signed).
 */
dkim_sign_decision dkim_sign_prepare(dkim_policy *p, const dkim_hdr *hdrs, size_t n,
                                     bool over_limits, dkim_sign **out, const char **why);
/* A body chunk. */
void dkim_sign_body(dkim_sign *g, const void *data, size_t len);
/*
 * Appends to out the value of each DKIM-Signature field (starting with a
 * space, folded with "\n\t"), each followed by a NUL byte, and logs them.
 * Returns 0, or -1 with *why set (nothing usable appended).
 */
int dkim_sign_finish(dkim_sign *g, const char *qid, str_t *out, const char **why);
void dkim_sign_free(dkim_sign **g);

#endif
