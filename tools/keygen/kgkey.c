/*
 * kgkey.c - new RSA and Ed25519 keys (EVP_PKEY_Q_keygen), PKCS#8 PEM.
 */
#include "config.h"

#include "kgkey.h"

#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "dkim/dkimkey.h"

int kgkey_alg_parse(const char *name, kgkey_alg *alg_r)
{
    if (strcasecmp(name, "rsa") == 0)
        *alg_r = KGKEY_RSA;
    else if (strcasecmp(name, "ed25519") == 0)
        *alg_r = KGKEY_ED25519;
    else
        return -1;
    return 0;
}

int kgkey_check_bits(kgkey_alg alg, long bits, const char **error_r)
{
    if (alg == KGKEY_ED25519) {
        if (bits != 0 && bits != 256) {
            *error_r = "Ed25519 keys have 256 bits; -b does not apply";
            return -1;
        }
        return 0;
    }
    if (bits < DKIMKEY_RSA_MIN_BITS) {
        *error_r = "RSA keys below 1024 bits are refused (RFC 8301)";
        return -1;
    }
    if (bits > DKIMKEY_RSA_MAX_BITS) {
        *error_r = "RSA keys above 4096 bits are refused (verifiers need not support them)";
        return -1;
    }
    return 0;
}

static int pem_of(EVP_PKEY *pkey, str_t *pem, const char **error_r)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        *error_r = "BIO_new failed";
        return -1;
    }
    int rc = -1;
    char *data;
    if (PEM_write_bio_PKCS8PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
        *error_r = "cannot encode the key as PKCS#8 PEM";
    } else {
        long n = BIO_get_mem_data(bio, &data);
        if (n > 0) {
            str_append(pem, data, (size_t)n);
            rc = 0;
        } else {
            *error_r = "empty PEM output";
        }
    }
    BIO_free(bio);
    return rc;
}

int kgkey_generate_pem(kgkey_alg alg, int bits, str_t *pem, const char **error_r)
{
    EVP_PKEY *pkey;
    if (alg == KGKEY_RSA)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    else
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (pkey == NULL) {
        *error_r = "key generation failed (OpenSSL)";
        return -1;
    }
    int rc = pem_of(pkey, pem, error_r);
    EVP_PKEY_free(pkey);
    return rc;
}
