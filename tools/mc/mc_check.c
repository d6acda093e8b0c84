/* mc_check.c - settings checked against the machine; see mc_check.h. */
#include "config.h"

#include "mc_check.h"

#include "mc_msg.h"
#include "core/fileio.h"
#include "core/mem.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MC_PASSWORD_MAX 1024

int mc_check_smarthost(const mc_job *j)
{
    const mc_smarthost *h = &j->mta.smarthost;
    bool implicit = strcmp(h->tls, "implicit") == 0;
    int rc = 0;

    if (h->host == NULL) {
        mc_warn_at("mta.smarthost.host", "not set, so mail goes out directly on port 25; "
                   "behind an ISP that blocks port 25 (OP25B) set your ISP's relay");
        return 0;
    }
    if (h->port == 25)
        mc_warn_at("mta.smarthost.port",
                   "25 is the port ISPs block (OP25B) and does not take AUTH from customers; "
                   "your ISP's relay is on 587 (STARTTLS) or 465 (implicit TLS)");
    if (h->port == 465 && !implicit) {
        mc_error_at("mta.smarthost.port",
                    "465 speaks TLS from the first byte (implicit TLS), but "
                    "mta.smarthost.tls is \"starttls\"; use port 587 with STARTTLS, or set "
                    "tls = \"implicit\"%s",
                    strcmp(j->flavor, "sendmail") == 0 ? " (Postfix only)" : "");
        rc = -1;
    }
    if (implicit && strcmp(j->flavor, "sendmail") == 0) {
        mc_error_at("mta.smarthost.tls",
                    "sendmail 8.17 cannot use implicit TLS (port 465) as a client; use your "
                    "ISP's port 587 with STARTTLS, or Postfix");
        rc = -1;
    }
    if (implicit && h->port == 587)
        mc_warn_at("mta.smarthost.tls", "\"implicit\" on port 587, which normally speaks "
                   "STARTTLS: check your ISP's instructions");
    if (h->auth.user == NULL)
        mc_warn_at("mta.smarthost.auth",
                   "not set; ISP relays on 587 normally require SMTP AUTH");
    return rc;
}

/* A problem with a file: an error under --check, a warning otherwise. */
static int file_problem(const mc_job *j, const char *key, const char *path, const char *what)
{
    if (j->strict) {
        mc_error_at(key, "%s: %s", path, what);
        return -1;
    }
    mc_warn_at(key, "%s: %s", path, what);
    return 0;
}

static X509 *load_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x;

    if (f == NULL)
        return NULL;
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return x;
}

static EVP_PKEY *load_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k;

    if (f == NULL)
        return NULL;
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

static int check_readable(const mc_job *j, const char *key, const char *path)
{
    if (access(path, R_OK) == 0)
        return 0;
    return file_problem(j, key, path,
                        errno == ENOENT ? "no such file" : "not readable (permissions?)");
}

static int check_cert_and_key(const mc_job *j, const char *cert, const char *key)
{
    X509 *x = load_cert(cert);
    EVP_PKEY *k = x ? load_key(key) : NULL;
    int rc = 0;
    struct stat st;

    if (x == NULL)
        rc = file_problem(j, "mta.submission.tls.cert", cert,
                          "not a PEM certificate");
    else if (k == NULL)
        rc = file_problem(j, "mta.submission.tls.key", key,
                          "not a PEM private key (or encrypted with a passphrase)");
    else if (X509_check_private_key(x, k) != 1)
        rc = file_problem(j, "mta.submission.tls.key", key,
                          "does not belong to the certificate in mta.submission.tls.cert");
    else if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
        mc_warn_at("mta.submission.tls.cert", "%s: expired; clients will refuse it", cert);
    if (stat(key, &st) == 0 && (st.st_mode & 077) != 0)
        mc_warn_at("mta.submission.tls.key",
                   "%s: readable by group or others (mode %04o); sendmail refuses such a "
                   "key: chmod 600 %s",
                   key, (unsigned)(st.st_mode & 07777), key);
    X509_free(x);
    EVP_PKEY_free(k);
    ERR_clear_error();
    return rc;
}

int mc_check_tls(const mc_job *j)
{
    int rc = 0;

    if (!j->mta.submission.enable)
        return 0;
    if (j->tls_cert == NULL) {
        mc_error_at("mta.submission.tls.cert",
                    "not set; the submission port needs a certificate for STARTTLS (set cert "
                    "and key, or run once with --make-cert for a self-signed one)");
        return -1;
    }
    rc |= check_readable(j, "mta.submission.tls.cert", j->tls_cert_file);
    rc |= check_readable(j, "mta.submission.tls.key", j->tls_key_file);
    if (j->tls_ca)
        rc |= check_readable(j, "mta.submission.tls.ca", j->tls_ca);
    if (rc == 0 && access(j->tls_cert_file, R_OK) == 0 && access(j->tls_key_file, R_OK) == 0)
        rc |= check_cert_and_key(j, j->tls_cert_file, j->tls_key_file);
    return rc;
}

int mc_check_password(mc_job *j)
{
    const char *path = j->mta.smarthost.auth.password_file;
    str_t data, why;
    struct stat st;
    size_t n;

    if (j->mta.smarthost.auth.user == NULL || path == NULL)
        return 0;
    str_init(&data);
    str_init(&why);
    if (fileio_read(path, MC_PASSWORD_MAX, &data, &why) < 0) {
        mc_error_at("mta.smarthost.auth.password_file", "%s", why.buf);
        str_free(&why);
        str_free(&data);
        return -1;
    }
    if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
        mc_warn_at("mta.smarthost.auth.password_file",
                   "%s: readable by group or others (mode %04o): chmod 600 %s", path,
                   (unsigned)(st.st_mode & 07777), path);
    n = strcspn(data.buf, "\r\n");
    if (n == 0 || memchr(data.buf, '\0', data.len) != NULL) {
        mc_error_at("mta.smarthost.auth.password_file",
                    "%s: the first line must hold the password", path);
        explicit_bzero(data.buf, data.len);
        str_free(&data);
        str_free(&why);
        return -1;
    }
    j->password = mem_strndup(data.buf, n);
    explicit_bzero(data.buf, data.len);
    str_free(&data);
    str_free(&why);
    return 0;
}
