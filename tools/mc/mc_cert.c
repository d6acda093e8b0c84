/* mc_cert.c - a self-signed certificate with OpenSSL 3; see mc_cert.h. */
#include "config.h"

#include "mc_cert.h"

#include "mc_file.h"
#include "mc_msg.h"
#include "core/fileio.h"
#include "core/mem.h"

#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static int bio_append(BIO *b, str_t *out)
{
    char *p;
    long n = BIO_get_mem_data(b, &p);

    if (n <= 0)
        return -1;
    str_append(out, p, (size_t)n);
    return 0;
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *e;
    int ok;

    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (e == NULL)
        return 0;
    ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

static int fill_cert(X509 *x, EVP_PKEY *k, const char *cn, long days)
{
    X509_NAME *name = X509_get_subject_name(x);
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    char san[300];
    int ok;

    if (RAND_bytes(serial, sizeof serial) != 1)
        return 0;
    serial[0] &= 0x7f;
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (snprintf(san, sizeof san, "DNS:%s", cn) >= (int)sizeof san)
        return 0;
    ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
         X509_set_version(x, 2) &&
         X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
         X509_gmtime_adj(X509_getm_notAfter(x), days * 86400L) != NULL &&
         X509_set_pubkey(x, k) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                    -1, 0) &&
         X509_set_issuer_name(x, name) &&
         add_ext(x, NID_subject_alt_name, san) &&
         add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
         X509_sign(x, k, EVP_sha256()) > 0;
    BN_free(bn);
    return ok;
}

int mc_cert_selfsigned(const char *cn, long days, str_t *cert, str_t *key, str_t *why)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    X509 *x = X509_new();
    BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
    int rc = -1;

    if (k && x && cb && kb && fill_cert(x, k, cn, days) && PEM_write_bio_X509(cb, x) &&
        PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL) &&
        bio_append(cb, cert) == 0 && bio_append(kb, key) == 0)
        rc = 0;
    else {
        unsigned long e = ERR_get_error();

        str_printf(why, "cannot make a self-signed certificate: %s",
                   e ? ERR_reason_error_string(e) : "unknown error");
    }
    ERR_clear_error();
    BIO_free(cb);
    BIO_free(kb);
    X509_free(x);
    EVP_PKEY_free(k);
    return rc;
}

#define CERT_NAME "certs/milterkit-selfsigned.crt"
#define KEY_NAME "certs/milterkit-selfsigned.key"
#define CERT_MAX 65536

/* The pair an earlier run made, from dir: 0 when both were read. */
static int read_pair(const char *dir, str_t *cert, str_t *key)
{
    str_t p, why;
    int rc;

    str_init(&p), str_init(&why);
    str_printf(&p, "%s/" CERT_NAME, dir);
    rc = fileio_read(p.buf, CERT_MAX, cert, &why);
    str_clear(&p);
    str_printf(&p, "%s/" KEY_NAME, dir);
    if (rc == 0 && fileio_read(p.buf, CERT_MAX, key, &why) < 0)
        rc = -1;
    str_free(&p), str_free(&why);
    return rc;
}

static int stage_pair(mc_job *j, str_t *cert, str_t *key)
{
    str_t why;
    int rc = 0;

    str_init(&why);
    if (mc_out_add(&j->out, CERT_NAME, cert->buf, cert->len, 0644, false, &why) < 0 ||
        mc_out_add(&j->out, KEY_NAME, key->buf, key->len, 0600, true, &why) < 0) {
        mc_error("%s", why.buf);
        rc = -1;
    }
    str_free(&why);
    return rc;
}

int mc_cert_setup(mc_job *j, const char *out_dir, bool make)
{
    const mc_tls *t = &j->mta.submission.tls;
    str_t cert, key, why;
    int rc = -1;

    if (t->cert != NULL) {
        if (make)
            mc_note("--make-cert: mta.submission.tls.cert is set, so %s is used and no "
                    "certificate is made%s",
                    t->cert,
                    access(t->cert, F_OK) == 0 ? ""
                                               : "; to use a self-signed one, remove cert and "
                                                 "key from mta.submission.tls");
        j->tls_cert = j->tls_cert_file = t->cert;
        j->tls_key = j->tls_key_file = t->key;
        j->tls_ca = t->ca;
        return 0;
    }
    if (!j->mta.submission.enable)
        return 0;
    str_init(&cert), str_init(&key), str_init(&why);
    if (read_pair(out_dir, &cert, &key) == 0 || read_pair(j->config_dir, &cert, &key) == 0)
        mc_note("using the self-signed certificate an earlier run made (%s/" CERT_NAME ")",
                j->config_dir);
    else if (!make) {
        rc = 0; /* none: mc_check_tls says what to do */
        goto out;
    } else {
        str_clear(&cert), str_clear(&key);
        /* OpenSSL skips text before "-----BEGIN": the header marks them ours. */
        mc_file_header(&cert, "# ", j->conf_path);
        mc_file_header(&key, "# ", j->conf_path);
        if (mc_cert_selfsigned(j->site.hostname, 825, &cert, &key, &why) < 0) {
            mc_error("%s", why.buf);
            goto out;
        }
        mc_warn("made a self-signed certificate for %s: mail clients will warn about it "
                "until you install one from a CA (mta.submission.tls.cert and key)",
                j->site.hostname);
    }
    if (stage_pair(j, &cert, &key) < 0)
        goto out;
    str_clear(&why);
    str_printf(&why, "%s/" CERT_NAME, j->config_dir);
    j->tls_cert = j->tls_owned[0] = mem_strdup(why.buf);
    str_clear(&why);
    str_printf(&why, "%s/" KEY_NAME, j->config_dir);
    j->tls_key = j->tls_owned[1] = mem_strdup(why.buf);
    j->tls_cert_file = j->tls_owned[2] = mem_strdup(mc_out_path(&j->out, CERT_NAME, &why));
    j->tls_key_file = j->tls_owned[3] = mem_strdup(mc_out_path(&j->out, KEY_NAME, &why));
    rc = 0;
out:
    explicit_bzero(key.buf, key.len);
    str_free(&cert), str_free(&key), str_free(&why);
    return rc;
}
