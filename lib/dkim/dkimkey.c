/*
 * dkimkey.c - load DKIM private keys once (PEM PKCS#8/PKCS#1, dkimpy raw
 * Ed25519 seed), check them against the key file rule, derive the DNS
 * public key.  The rule itself lives in dkimkey_path.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkim/dkimkey.h"
#include "core/mem.h"

struct dkimkey {
    EVP_PKEY *pkey;
    dkimkey_type_t type;
    int bits;
};

void dkimkey_b64_encode(const unsigned char *data, size_t len, str_t *out)
{
    /* EVP_EncodeBlock takes an int length: encode in slices of 3 KB. */
    char tmp[4 * 1024 + 1];

    while (len > 0) {
        size_t n = len > 3 * 1024 ? 3 * 1024 : len;
        int w = EVP_EncodeBlock((unsigned char *)tmp, data, (int)n);

        str_append(out, tmp, (size_t)w);
        data += n;
        len -= n;
    }
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int dkimkey_b64_decode(const char *text, size_t len, str_t *out)
{
    unsigned long acc = 0;
    int nbits = 0, pad = 0;
    size_t ndigits = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        int v;

        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad > 0 || (v = b64_value(c)) < 0)
            return -1;
        ndigits++;
        acc = (acc << 6) | (unsigned long)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            str_append_char(out, (char)((acc >> nbits) & 0xff));
        }
    }
    if (ndigits % 4 == 1 || pad > 2 || (pad > 0 && (ndigits + pad) % 4 != 0))
        return -1;
    return 0;
}

static int key_refuse_pw(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static int key_accept(EVP_PKEY *pkey, dkimkey_t **key_r, str_t *why)
{
    dkimkey_t *key;
    int bits = EVP_PKEY_get_bits(pkey);
    dkimkey_type_t type;

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        type = DKIMKEY_RSA;
        if (bits < DKIMKEY_RSA_MIN_BITS || bits > DKIMKEY_RSA_MAX_BITS) {
            str_printf(why, "RSA key of %d bits refused: DKIM keys must have %d to %d bits",
                       bits, DKIMKEY_RSA_MIN_BITS, DKIMKEY_RSA_MAX_BITS);
            EVP_PKEY_free(pkey);
            return -1;
        }
    } else if (EVP_PKEY_is_a(pkey, "ED25519")) {
        type = DKIMKEY_ED25519;
    } else {
        str_printf(why, "unsupported key type %s: DKIM keys are RSA or Ed25519",
                   EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "?");
        EVP_PKEY_free(pkey);
        return -1;
    }
    key = mem_zalloc(sizeof(*key));
    key->pkey = pkey;
    key->type = type;
    key->bits = bits;
    *key_r = key;
    return 0;
}

static int key_from_pem(const void *data, size_t len, dkimkey_t **key_r, str_t *why)
{
    BIO *bio;
    EVP_PKEY *pkey;

    if (len > DKIMKEY_FILE_MAX) {
        str_append_cstr(why, "key too large");
        return -1;
    }
    bio = BIO_new_mem_buf(data, (int)len);
    if (bio == NULL)
        panic("BIO_new_mem_buf failed");
    ERR_clear_error();
    pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, key_refuse_pw, NULL, NULL, NULL);
    BIO_free(bio);
    if (pkey == NULL) {
        unsigned long e = ERR_peek_last_error();
        const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

        str_printf(why, "not a valid unencrypted PEM private key (%s)", r ? r : "unknown error");
        ERR_clear_error();
        return -1;
    }
    return key_accept(pkey, key_r, why);
}

static int key_from_seed(const void *data, size_t len, dkimkey_t **key_r, str_t *why)
{
    str_t raw;
    EVP_PKEY *pkey = NULL;

    str_init(&raw);
    if (dkimkey_b64_decode(data, len, &raw) < 0 || raw.len != 32) {
        str_append_cstr(why, "not a PEM private key nor a base64 Ed25519 seed of 32 bytes");
        str_free(&raw);
        return -1;
    }
    pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, (unsigned char *)raw.buf, 32);
    OPENSSL_cleanse(raw.buf, raw.len);
    str_free(&raw);
    if (pkey == NULL) {
        ERR_clear_error();
        str_append_cstr(why, "Ed25519 seed rejected by OpenSSL");
        return -1;
    }
    return key_accept(pkey, key_r, why);
}

int dkimkey_load_mem(const void *data, size_t len, dkimkey_t **key_r, str_t *why)
{
    *key_r = NULL;
    if (len > DKIMKEY_FILE_MAX) {
        str_append_cstr(why, "key too large");
        return -1;
    }
    /* PEM when a "-----BEGIN" armour line is present, else a raw seed. */
    for (size_t i = 0; i + 10 <= len; i++) {
        if (memcmp((const char *)data + i, "-----BEGIN", 10) == 0)
            return key_from_pem(data, len, key_r, why);
    }
    return key_from_seed(data, len, key_r, why);
}

static int read_key_file(int fd, const char *path, const dkimkey_reader_t *reader, str_t *buf,
                         str_t *why)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        str_printf(why, "%s: not a regular file", path);
        return -1;
    }
    /* Again on what was opened: the file may have been swapped since. */
    if (reader != NULL && dkimkey_check_stat(path, &st, reader, why) < 0)
        return -1;
    if (st.st_size > DKIMKEY_FILE_MAX) {
        str_printf(why, "%s: larger than %d bytes, not a DKIM key", path, DKIMKEY_FILE_MAX);
        return -1;
    }
    for (;;) {
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            str_printf(why, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (n == 0)
            break;
        str_append(buf, chunk, (size_t)n);
        OPENSSL_cleanse(chunk, sizeof(chunk));
        if (buf->len > DKIMKEY_FILE_MAX) {
            str_printf(why, "%s: larger than %d bytes, not a DKIM key", path, DKIMKEY_FILE_MAX);
            return -1;
        }
    }
    return 0;
}

int dkimkey_load_file(const char *path, const dkimkey_reader_t *reader, dkimkey_t **key_r,
                      str_t *why)
{
    str_t buf, reason;
    int fd, ret;

    *key_r = NULL;
    if (reader != NULL && dkimkey_check_path(path, reader, why) < 0)
        return -1;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    str_init(&buf);
    ret = read_key_file(fd, path, reader, &buf, why);
    close(fd);
    if (ret == 0) {
        str_init(&reason);
        ret = dkimkey_load_mem(buf.buf, buf.len, key_r, &reason);
        if (ret < 0)
            str_printf(why, "%s: %s", path, reason.buf);
        str_free(&reason);
    }
    OPENSSL_cleanse(buf.buf, buf.cap);
    str_free(&buf);
    return ret;
}

void dkimkey_free(dkimkey_t **key)
{
    if (*key == NULL)
        return;
    EVP_PKEY_free((*key)->pkey);
    mem_free(key);
}

dkimkey_type_t dkimkey_type(const dkimkey_t *key)
{
    return key->type;
}

const char *dkimkey_alg_name(const dkimkey_t *key)
{
    return key->type == DKIMKEY_RSA ? "rsa-sha256" : "ed25519-sha256";
}

const char *dkimkey_type_name(const dkimkey_t *key)
{
    return key->type == DKIMKEY_RSA ? "rsa" : "ed25519";
}

int dkimkey_bits(const dkimkey_t *key)
{
    return key->bits;
}

size_t dkimkey_sig_max(const dkimkey_t *key)
{
    int n = EVP_PKEY_get_size(key->pkey);

    return n > 0 ? (size_t)n : 512;
}

EVP_PKEY *dkimkey_pkey(const dkimkey_t *key)
{
    return key->pkey;
}

int dkimkey_public_dns(const dkimkey_t *key, str_t *out, const char **error_r)
{
    unsigned char *der = NULL;
    unsigned char raw[32];
    size_t rawlen = sizeof(raw);
    int n;

    if (key->type == DKIMKEY_ED25519) {
        if (EVP_PKEY_get_raw_public_key(key->pkey, raw, &rawlen) != 1 || rawlen != 32) {
            ERR_clear_error();
            *error_r = "cannot get the Ed25519 public key";
            return -1;
        }
        dkimkey_b64_encode(raw, rawlen, out);
        return 0;
    }
    n = i2d_PUBKEY(key->pkey, &der);
    if (n <= 0) {
        ERR_clear_error();
        *error_r = "cannot encode the RSA public key";
        return -1;
    }
    dkimkey_b64_encode(der, (size_t)n, out);
    OPENSSL_free(der);
    return 0;
}
