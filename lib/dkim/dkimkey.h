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
 * The key file rule (dkimkey_check_path(), run by dkimkey_load_file()
 * when given a reader): a key is judged for its reader, the account the
 * daemon runs as once it dropped privileges (dkimkey_reader_for()), so
 * that `-n` and the start (both as root) and a reload (as that account)
 * decide alike.  It is refused unless
 *   - the file is a regular file owned by root or by the reader;
 *   - nobody but its owner can write it (mode & 022 == 0);
 *   - others cannot read it (mode & 004 == 0), and its group can read it
 *     only when that group is the reader's (root:milterkit 0640);
 *   - the reader can read it (so that a reload can): owned by the reader
 *     (0600), or root-owned with the reader's group (0640);
 *   - every directory on its path (the path as given, made absolute, and
 *     its symlink-free real path) is owned by root or the reader, is
 *     writable by neither its group nor others (also not with the sticky
 *     bit: a key under /tmp is refused), and can be entered by the reader.
 * Mode bits only: ACLs are not consulted.  The message names the offending
 * path component, users and groups by name, and the command that fixes it
 * (`chown milterkit KEY`, `chmod 0600 KEY` ...).
 *
 * Thread-safety: loading is reentrant.  A loaded key is immutable and may
 * be used for signing from many threads at once (each with its own
 * EVP_MD_CTX, see dkimsign.h); free it only when no thread uses it.
 */
#ifndef MK_DKIMKEY_H
#define MK_DKIMKEY_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "core/str.h"

#define DKIMKEY_RSA_MIN_BITS 1024
#define DKIMKEY_RSA_MAX_BITS 4096
/* Largest key file read, in bytes (a 4096-bit PEM is about 3.3 KB). */
#define DKIMKEY_FILE_MAX 65536

typedef enum dkimkey_type { DKIMKEY_RSA, DKIMKEY_ED25519 } dkimkey_type_t;

typedef struct dkimkey dkimkey_t;

/* The account key files are judged for; see dkimkey_reader_for(). */
typedef struct dkimkey_reader {
    uid_t uid;
    gid_t gid;
    char *user;  /* its name, for messages ("uid N" without one) */
    char *group; /* the name of gid */
} dkimkey_reader_t;

/*
 * Fills *r with the account that will read the keys: when the process runs
 * as root (a daemon that will drop privileges, or `-n` run as root), user
 * and group (NULL: user's primary group) looked up by name, as the daemon
 * drops to them; otherwise the effective uid and gid, which the process
 * keeps.  Returns 0 (free *r with dkimkey_reader_free()), or -1 with the
 * reason appended to why (no such user or group).  Thread-safe.
 */
int dkimkey_reader_for(const char *user, const char *group, dkimkey_reader_t *r, str_t *why);
/* The same for user (and group) looked up by name, whoever runs: for a
 * tool that judges the keys on behalf of site.user.  Returns as
 * dkimkey_reader_for() does. */
int dkimkey_reader_named(const char *user, const char *group, dkimkey_reader_t *r, str_t *why);
/* Frees what dkimkey_reader_for() filled in (r may be NULL). */
void dkimkey_reader_free(dkimkey_reader_t *r);

/*
 * Loads the key file at path.  With a reader, the key file rule
 * (dkimkey_check_path()) runs first, and again on the opened file; NULL
 * checks nothing (check_key_permissions = false).  Returns 0 and a new key
 * in *key_r, or -1 with the reason (naming path, or the offending path
 * component) appended to why.  The caller frees the key with dkimkey_free().
 */
int dkimkey_load_file(const char *path, const dkimkey_reader_t *reader, dkimkey_t **key_r,
                      str_t *why);

/*
 * Parses a key from len bytes at data (any of the formats above).
 * Returns 0 and a new key in *key_r, or -1 with the reason appended to why.
 */
int dkimkey_load_mem(const void *data, size_t len, dkimkey_t **key_r, str_t *why);

/*
 * The key file rule described above, judged for reader, on its own.
 * Returns 0 when path passes, -1 with "PATH: reason; run `FIX`" appended
 * to why otherwise (also when a component cannot be examined).
 */
int dkimkey_check_path(const char *path, const dkimkey_reader_t *reader, str_t *why);
/*
 * The part of the rule about the file itself, on st (from stat or fstat
 * of path).  Returns 0, or -1 with the reason appended to why.
 */
int dkimkey_check_stat(const char *path, const struct stat *st, const dkimkey_reader_t *reader,
                       str_t *why);

/* Frees *key (may be NULL) and sets *key to NULL. */
void dkimkey_free(dkimkey_t **key);

dkimkey_type_t dkimkey_type(const dkimkey_t *key);
/* "rsa-sha256" or "ed25519-sha256": the a= tag of a signature. */
const char *dkimkey_alg_name(const dkimkey_t *key);
/* "rsa" or "ed25519": the k= tag of the key record. */
const char *dkimkey_type_name(const dkimkey_t *key);
/* Returns the key size in bits (256 for Ed25519). */
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
