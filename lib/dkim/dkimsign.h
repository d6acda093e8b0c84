/*
 * dkimsign.h - build and sign a DKIM-Signature header (RFC 6376, RFC 8463)
 * with a key parsed once (dkimkey.h) and a body hash computed by
 * dkimcanon.h, using OpenSSL 3 directly.
 *
 * The header value is folded once (lines of at most DKIMSIGN_LINE_MAX
 * octets, unless one tag such as a very long d= or i= is longer by itself;
 * a fold is "\n\t", or "\r\n\t" with crlf; folds only between tags,
 * after a ':' of h=, and inside base64 values) and the very same
 * bytes, with the b= value empty, are what enters the header hash: the
 * header the MTA writes is the header that was signed, for all four c=
 * with both algorithms.
 *
 * Thread-safety: dkimsign_sign() is reentrant.  Many threads may sign at
 * once with the same dkimkey_t: each call uses its own EVP_MD_CTX and
 * only reads the shared EVP_PKEY (OpenSSL 3 allows concurrent use of a
 * fully built EVP_PKEY for signing; tested with threads in test_dkimsign).
 */
#ifndef MK_DKIMSIGN_H
#define MK_DKIMSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dkim/dkimcanon.h"
#include "dkim/dkimkey.h"
#include "dkim/dkimsign_hdrs.h"
#include "core/str.h"

/* The header name to insert. */
#define DKIMSIGN_HEADER_NAME "DKIM-Signature"
/* Longest folded line of the header, in octets, "DKIM-Signature:" included. */
#define DKIMSIGN_LINE_MAX 78
typedef struct dkimsign_params {
    const char *domain;   /* d=, required: letters, digits, '.', '-', '_' */
    const char *selector; /* s=, required: same characters */
    const dkimkey_t *key; /* required; a= follows the key */
    dkimcanon_t header_canon;
    dkimcanon_t body_canon;
    /* Names to sign and to oversign (listed once more than they occur, so
       none can be added later); NULL-terminated; NULL = the defaults.
       Oversigned names are signed even when missing from sign. */
    const char *const *sign;
    const char *const *oversign;
    time_t timestamp;        /* t=; 0 = now */
    unsigned long expire;    /* x = t + expire seconds; 0 = no x= */
    const char *identity;    /* i=, optional (NULL = none) */
    bool crlf;               /* fold with "\r\n\t" (default "\n\t", as libmilter) */
} dkimsign_params_t;

/*
 * Signs the message whose header fields are headers[0..nheaders-1] (in
 * message order) and whose canonical body (p->body_canon) has SHA-256
 * body_hash (dkimcanon_body_final()).  Appends the DKIM-Signature header
 * VALUE to value_out: it starts with one space, so that the header is
 * DKIMSIGN_HEADER_NAME ":" value; insert it with SMFIP_HDR_LEADSPC as is,
 * or without that flag from value + 1.
 * Returns 0, or -1 with *error_r set (bad parameter, too many headers to
 * sign, header name unusable in h=, OpenSSL failure); value_out is then
 * left as it was.
 */
int dkimsign_sign(const dkimsign_params_t *p, const dkimsign_header_t *headers, size_t nheaders,
                  const unsigned char body_hash[DKIMCANON_HASH_LEN], str_t *value_out,
                  const char **error_r);

#endif
