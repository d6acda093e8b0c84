/*
 * dkimnorm.h - line ends of a message body made unambiguous before it is
 * signed: every CR not followed by LF ("bare CR") and every LF not preceded
 * by CR ("bare LF") becomes CRLF; CRLF stays.
 *
 * Why: verifiers disagree on such bodies.  libopendkim's relaxed body
 * canonicalization drops a bare CR, dkimpy and Mail::DKIM keep it (RFC
 * 6376 makes it content); libopendkim's simple one mishandles a bare LF;
 * and the MTAs turn a bare LF into CRLF when they send the message on.  A
 * body with CRLF line ends only is read the same way by all of them (see
 * milterkit-dkim(8)).
 *
 * Streaming: chunks may be split anywhere (even between CR and LF); a CR
 * at the end of a chunk is held until the next byte is known.  State is a
 * few bytes: memory does not grow with the body.
 *
 * Thread-safety: a dkimnorm_t has one owner.
 */
#ifndef MK_DKIMNORM_H
#define MK_DKIMNORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

typedef struct dkimnorm {
    bool cr;          /* a CR is held back: CRLF or bare, the next byte says */
    uint64_t changes; /* bare CRs and bare LFs made CRLF so far */
} dkimnorm_t;

/* Ready for a body. */
void dkimnorm_init(dkimnorm_t *n);

/* Appends the normalized form of data[0..len) to out (a held CR may come
 * out with a later call). */
void dkimnorm_update(dkimnorm_t *n, const void *data, size_t len, str_t *out);

/* End of body: appends a held CR as CRLF.  Then only dkimnorm_init(). */
void dkimnorm_final(dkimnorm_t *n, str_t *out);

/* Bare CRs and bare LFs made CRLF so far (0: the body was already clean). */
uint64_t dkimnorm_changes(const dkimnorm_t *n);

#endif
