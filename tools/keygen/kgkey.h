/*
 * kgkey.h - DKIM key generation for milterkit-keygen (OpenSSL 3), and
 * writing new files that never exist with modes wider than asked.
 *
 * Loading keys and deriving the DNS p= form is lib/dkimkey's job; this
 * module only makes new keys.  No global state; reentrant.
 */
#ifndef MK_KGKEY_H
#define MK_KGKEY_H

#include <stddef.h>
#include <sys/types.h>

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

/*
 * Creates path (which must not exist: O_CREAT|O_EXCL, no symlink followed)
 * with the given mode under a umask that removes every other bit, writes
 * len bytes and fsyncs.  On any failure the file is removed again.
 * Returns 0, or -1 with "PATH: reason" appended to why.
 */
int kgkey_write_new(const char *path, const void *data, size_t len, mode_t mode, str_t *why);

#endif
