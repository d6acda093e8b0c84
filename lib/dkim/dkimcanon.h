/*
 * dkimcanon.h - RFC 6376 canonicalization (simple and relaxed) of header
 * fields and, streaming, of the message body into a SHA-256 hash.
 *
 * Line ends: both CRLF and a bare LF end a line (libmilter hands folded
 * header lines joined by a bare LF; sendmail and Postfix give bodies with
 * CRLF).  A bare CR that is not followed by LF is ordinary content.
 * The body canonicalizer keeps a few bytes of state between chunks, never
 * the body: memory does not grow with the body size.  No l= support.
 *
 * Thread-safety: a dkimcanon_body_t has one owner at a time; different
 * objects may be used from different threads.
 */
#ifndef MK_DKIMCANON_H
#define MK_DKIMCANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

#define DKIMCANON_HASH_LEN 32 /* SHA-256 */

typedef enum dkimcanon { DKIMCANON_SIMPLE, DKIMCANON_RELAXED } dkimcanon_t;

/* "simple" or "relaxed". */
const char *dkimcanon_name(dkimcanon_t c);
/* Parses "simple" / "relaxed"; returns 0, or -1 when unknown. */
int dkimcanon_from_name(const char *name, dkimcanon_t *c_r);

/*
 * Appends to out the canonical form of one header field, CRLF included,
 * as it enters the header hash.  name is the field name (no colon);
 * value is everything after the colon, exactly as received (with
 * SMFIP_HDR_LEADSPC it keeps its leading space), folded lines joined by
 * "\n" or "\r\n".  simple: name ":" value with every bare LF made CRLF.
 * relaxed: lower-case name, unfolded, WSP runs reduced to one SP, WSP at
 * the start and end of the value removed.  With omit_crlf the final CRLF
 * is not appended (the DKIM-Signature header itself, RFC 6376 3.7).
 * value_len bytes are read (value may hold NUL bytes).
 */
void dkimcanon_header(dkimcanon_t c, const char *name, const char *value, size_t value_len,
                      bool omit_crlf, str_t *out);

typedef struct dkimcanon_body dkimcanon_body_t;

/*
 * A new streaming body canonicalizer feeding SHA-256.  Returns 0 and the
 * object in *body_r, or -1 with *error_r set when OpenSSL cannot set up
 * SHA-256.  Free with dkimcanon_body_free().
 */
int dkimcanon_body_new(dkimcanon_t c, dkimcanon_body_t **body_r, const char **error_r);

/* Feeds len bytes of body; chunks may be split anywhere (even inside CRLF). */
void dkimcanon_body_update(dkimcanon_body_t *body, const void *data, size_t len);

/*
 * Ends the body and writes the SHA-256 of its canonical form to hash.
 * Returns 0, or -1 with *error_r set (an OpenSSL failure anywhere since
 * dkimcanon_body_new).  After it, only dkimcanon_body_reset() or _free().
 */
int dkimcanon_body_final(dkimcanon_body_t *body, unsigned char hash[DKIMCANON_HASH_LEN],
                         const char **error_r);

/* Ready for a new body (same canonicalization).  Returns 0 or -1 + *error_r. */
int dkimcanon_body_reset(dkimcanon_body_t *body, const char **error_r);

/* Bytes of canonical body hashed so far (pending empty lines not counted). */
uint64_t dkimcanon_body_length(const dkimcanon_body_t *body);

/* Frees *body (may be NULL) and sets *body to NULL. */
void dkimcanon_body_free(dkimcanon_body_t **body);

#endif
