/*
 * dkimkey.h - DKIM private keys, parsed once and kept in memory.
 *
 * A dkimkey_t wraps an OpenSSL 3 EVP_PKEY loaded from a key file for the
 * life of a configuration, so that signing a message never parses a key.
 * Accepted files:
 *   - PEM PKCS#8 ("BEGIN PRIVATE KEY", what opendkim-genkey and
 *     milterkit-keygen write), RSA or Ed25519;
 *   - PEM PKCS#1 ("BEGIN RSA PRIVATE KEY");
 *   - the raw base64 Ed25519 seed (32 bytes) that dkimpy's
 *     `dknewkey --ktype ed25519` writes.
 * RSA keys must have 1024 to 4096 bits; Ed25519 is the only other type.
 * Encrypted PEM keys are refused (no passphrase prompt).  The signing
 * algorithm follows the key.
 *
 * Permission check (dkimkey_check_path(), on by default in
 * dkimkey_load_file()): refused when
 *   - the key file is not a regular file, or is readable or writable by
 *     group or others (mode & 066), or owned by someone else than root or
 *     the effective uid;
 *   - any directory on its path (the path as given, made absolute, and its
 *     symlink-free real path) is writable by others, or group-writable, or
 *     owned by someone else than root or the effective uid.
 *     Exception: a directory with the sticky bit set and owned by root
 *     (/tmp, mode 1777) is accepted, since others can neither remove nor
 *     rename the entries in it that they do not own; the next component
 *     is checked on its own (and must be ours or root's, so a directory
 *     another user made in /tmp is refused).
 * The message names the offending path component.
 *
 * Thread-safety: loading is reentrant.  A loaded key is immutable and may
 * be used for signing from many threads at once (each with its own
 * EVP_MD_CTX, see dkimsign.h); free it only when no thread uses it.
 */
#ifndef MK_DKIMKEY_H
#define MK_DKIMKEY_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "core/str.h"

#define DKIMKEY_RSA_MIN_BITS 1024
#define DKIMKEY_RSA_MAX_BITS 4096
/* Largest key file read, in bytes (a 4096-bit PEM is about 3.3 KB). */
#define DKIMKEY_FILE_MAX 65536

typedef enum dkimkey_type { DKIMKEY_RSA, DKIMKEY_ED25519 } dkimkey_type_t;

typedef struct dkimkey dkimkey_t;

/*
 * Loads the key file at path.  With check_perms, dkimkey_check_path() runs
 * first.  Returns 0 and a new key in *key_r, or -1 with the reason
 * (naming path, or the offending path component) appended to why.
 * The caller frees the key with dkimkey_free().
 */
int dkimkey_load_file(const char *path, bool check_perms, dkimkey_t **key_r, str_t *why);

/*
 * Parses a key from len bytes at data (any of the formats above).
 * Returns 0 and a new key in *key_r, or -1 with the reason appended to why.
 */
int dkimkey_load_mem(const void *data, size_t len, dkimkey_t **key_r, str_t *why);

/*
 * The permission check described above, on its own.  Returns 0 when path
 * is safe, -1 with "PATH: reason" appended to why otherwise (also when a
 * component cannot be examined).
 */
int dkimkey_check_path(const char *path, str_t *why);

/* Frees *key (may be NULL) and sets *key to NULL. */
void dkimkey_free(dkimkey_t **key);

dkimkey_type_t dkimkey_type(const dkimkey_t *key);
/* "rsa-sha256" or "ed25519-sha256": the a= tag of a signature. */
const char *dkimkey_alg_name(const dkimkey_t *key);
/* "rsa" or "ed25519": the k= tag of the key record. */
const char *dkimkey_type_name(const dkimkey_t *key);
/* Key size in bits (256 for Ed25519). */
int dkimkey_bits(const dkimkey_t *key);
/* Upper bound of the signature size in bytes. */
size_t dkimkey_sig_max(const dkimkey_t *key);
/* The EVP_PKEY, owned by key: the caller must not modify nor free it. */
EVP_PKEY *dkimkey_pkey(const dkimkey_t *key);

/*
 * Appends the public key in DNS form (the p= value of the key record) to
 * out: base64 of the SubjectPublicKeyInfo DER for RSA, base64 of the raw
 * 32-byte public key for Ed25519 (RFC 8463).  Returns 0, or -1 with *error_r
 * set (an OpenSSL failure).
 */
int dkimkey_public_dns(const dkimkey_t *key, str_t *out, const char **error_r);

/*
 * Base64 helpers (no line breaks).  dkimkey_b64_decode() skips ASCII
 * whitespace, and returns -1 on any other non-base64 byte or bad padding.
 */
void dkimkey_b64_encode(const unsigned char *data, size_t len, str_t *out);
int dkimkey_b64_decode(const char *text, size_t len, str_t *out);

#endif
