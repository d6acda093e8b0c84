/*
 * dkim_sign.h - signing one message of trusted origin: the decision, the
 * header edits it needs, the streaming body hash, and the DKIM-Signature
 * fields (one per key of each From domain: RSA and Ed25519 when a domain
 * has both), all with lib/dkim and keys parsed once.
 *
 * The decision, on the header fields as received:
 *   1. the masquerade rewrite of the masq section (dkim_policy.h) is applied
 *      to the fields it covers; every change is an edit the milter makes
 *      (smfi_chgheader), so the signature covers what leaves, with or
 *      without milterkit-masq (the rewrite is idempotent);
 *   2. the From field must be one, a mailbox-list with a domain on every
 *      mailbox; its distinct domains each need keys
 *      (dkim_policy_signers): all have them: YES, signed for each domain;
 *      none has: NO (a legitimate reason, "no key for DOMAIN"); some have:
 *      UNSIGNABLE, as are a missing, repeated or malformed From and header
 *      fields over the limits (the milter applies dkim.on_unsignable).
 * The body is signed with its line ends made CRLF (lib/dkim/dkimnorm): when
 * it had a bare CR or LF, the milter replaces the body with that form
 * (dkim_sign_new_body).  To do so the body is kept while it is at most
 * max_body_rewrite bytes; a bare CR or LF past that point makes the message
 * UNSIGNABLE at the end.
 *
 * Thread-safety: a dkim_sign has one owner.
 */
#ifndef MK_DKIM_SIGN_H
#define MK_DKIM_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "mail/hdrfield.h"
#include "dkim_policy.h"

/* Most signatures made for one message (keys of all its From domains). */
#define DKIM_SIGN_MAX_SIGNERS 8


/* A header field the milter changes before the signature covers it. */
typedef struct dkim_sign_edit {
    const char *name;  /* as received */
    int index;         /* among the fields of that name, from 1 (smfi_chgheader) */
    const char *old_value;
    char *new_value;   /* owned by the dkim_sign */
} dkim_sign_edit;

typedef enum dkim_sign_decision {
    DKIM_SIGN_YES,        /* *out is ready for the body */
    DKIM_SIGN_NO,         /* not signed for a legitimate reason (why) */
    DKIM_SIGN_UNSIGNABLE, /* should be signed and cannot be (why): on_unsignable */
    DKIM_SIGN_ERROR,      /* internal error (why): the message gets dkim.on_error */
} dkim_sign_decision;

/* "yes", "no", "unsignable", "error". */
const char *dkim_sign_decision_name(dkim_sign_decision d);

typedef struct dkim_sign dkim_sign;

/*
 * Decides whether the message whose header fields are hdrs[0..n) (which
 * must outlive *out) is signed, for a message already known to be of
 * trusted origin.  over_limits: some fields were not kept.  Returns the
 * decision; *out is set for DKIM_SIGN_YES only, why is appended to
 * otherwise.
 */
dkim_sign_decision dkim_sign_prepare(dkim_policy *p, const hdrfield *hdrs, size_t n,
                                     bool over_limits, dkim_sign **out, str_t *why);

/* The header edits to make (masquerading), in order; *n may be 0. */
const dkim_sign_edit *dkim_sign_edits(const dkim_sign *g, size_t *n);

/* The domains signed for, comma-separated (for logs). */
void dkim_sign_domains(const dkim_sign *g, str_t *out);

/* A body chunk. */
void dkim_sign_body(dkim_sign *g, const void *data, size_t len);

/*
 * End of the body: appends to out the value of each DKIM-Signature field
 * (starting with a space, folded with "\n\t"), each followed by a NUL
 * byte, and logs them.  Returns DKIM_SIGN_YES, DKIM_SIGN_UNSIGNABLE (a bare
 * CR or LF in a body too large to replace; why appended) or DKIM_SIGN_ERROR
 * (why appended); nothing usable is appended to out but with YES.
 */
dkim_sign_decision dkim_sign_finish(dkim_sign *g, const char *qid, str_t *out, str_t *why);

/* After a YES from dkim_sign_finish: the body to replace the message's
 * with, or NULL when it stays as it is; *fixes = bare CRs and LFs made
 * CRLF. */
const str_t *dkim_sign_new_body(const dkim_sign *g, uint64_t *fixes);

/* Frees *g (may be NULL) and sets it to NULL. */
void dkim_sign_free(dkim_sign **g);

#endif
