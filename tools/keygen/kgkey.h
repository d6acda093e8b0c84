/*
 * kgkey.h - DKIM key generation for milterkit-keygen (OpenSSL 3).  The new
 * files are written with lib/core/fileio (fileio_create_new).
 *
 * Loading keys and deriving the DNS p= form is lib/dkimkey's job; this
 * module only makes new keys.  No global state; reentrant.
 */
#ifndef MK_KGKEY_H
#define MK_KGKEY_H

#include <openssl/evp.h>

#include "core/str.h"

typedef enum kgkey_alg { KGKEY_RSA, KGKEY_ED25519 } kgkey_alg;

#define KGKEY_RSA_DEFAULT_BITS 2048

/* Parses "rsa" / "ed25519" (case-insensitive).  Returns 0, or -1. */
int kgkey_alg_parse(const char *name, kgkey_alg *alg_r);

/*
 * Checks bits for alg: RSA 1024..4096; for Ed25519 bits must be 0 (unset)
 * or 256.  Returns 0, or -1 with *error_r set to a static message.
 */
int kgkey_check_bits(kgkey_alg alg, long bits, const char **error_r);

/*
 * Makes a new key (bits ignored for Ed25519) and appends it, unencrypted
 * PKCS#8 PEM, to pem.  Returns 0, or -1 with *error_r set (OpenSSL failure).
 */
int kgkey_generate_pem(kgkey_alg alg, int bits, str_t *pem, const char **error_r);

#endif
