/*
 * kggen.c - generate mode: key, files, record and config entry.
 */
#include "config.h"

#include "kggen.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "dkim/dkimkey.h"
#include "core/fileio.h"
#include "dkim/dkimrec.h"
#include "core/mem.h"

/* DIR/SELECTOR.EXT */
static char *path_in(const char *dir, const char *selector, const char *ext)
{
    str_t s;
    str_init(&s);
    str_printf(&s, "%s/%s.%s", dir, selector, ext);
    char *path = str_steal(&s);
    return path;
}

/* The p= value of the PEM key we just made, through lib/dkimkey (which
 * also proves that milterkit-dkim can load the file). */
static int public_of(const str_t *pem, str_t *p, str_t *why)
{
    dkimkey_t *key = NULL;
    const char *err;
    if (dkimkey_load_mem(pem->buf, pem->len, &key, why) < 0)
        return -1;
    int rc = dkimkey_public_dns(key, p, &err);
    if (rc < 0)
        str_printf(why, "cannot derive the public key: %s", err);
    dkimkey_free(&key);
    return rc;
}

static int refuse_existing(const char *path, str_t *why)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        str_printf(why, "%s: exists already; refusing to overwrite it", path);
        return -1;
    }
    if (errno != ENOENT) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_files(const kggen_args *a, const str_t *pem, const str_t *zone, str_t *why)
{
    char *priv = path_in(a->dir, a->selector, "private");
    char *txt = path_in(a->dir, a->selector, "txt");
    int rc = -1;
    if (refuse_existing(priv, why) < 0 || refuse_existing(txt, why) < 0)
        goto out;
    if (fileio_create_new(priv, pem->buf, pem->len, 0600, why) < 0)
        goto out;
    if (fileio_create_new(txt, zone->buf, zone->len, 0644, why) < 0) {
        unlink(priv);
        goto out;
    }
    rc = 0;
out:
    mem_free(&priv);
    mem_free(&txt);
    return rc;
}

/* The absolute directory, for the key = "..." path in milterkit.conf. */
static char *abs_dir(const char *dir)
{
    char *r = realpath(dir, NULL);
    if (r == NULL)
        return mem_strdup(dir);
    char *copy = mem_strdup(r);
    free(r);
    return copy;
}

static void print_result(const kggen_args *a, const str_t *rec, const str_t *zone, FILE *out)
{
    char *dir = abs_dir(a->dir);
    const char *slash = strcmp(dir, "/") == 0 ? "" : "/";
    fprintf(out, "private key: %s%s%s.private (%s, PKCS#8 PEM, mode 0600)\n", dir, slash,
            a->selector, a->alg == KGKEY_RSA ? "RSA" : "Ed25519");
    fprintf(out, "zone file line: %s%s%s.txt\n%s", dir, slash, a->selector, zone->buf);
    fprintf(out, "\nDNS record: %s._domainkey.%s TXT, as one string:\n%s\n", a->selector,
            a->domain, rec->buf);
    fprintf(out, "\nmilterkit.conf, in dkim.keys:\n");
    fprintf(out, "{ domain = \"%s\"; selector = \"%s\"; key = \"%s%s%s.private\"; }\n",
            a->domain, a->selector, dir, slash, a->selector);
    mem_free(&dir);
}

int kggen_run(const kggen_args *a, FILE *out, str_t *why)
{
    str_t pem, p, rec, zone;
    const char *err;
    int rc = -1;
    str_init(&pem);
    str_init(&p);
    str_init(&rec);
    str_init(&zone);
    if (kgkey_generate_pem(a->alg, a->bits, &pem, &err) < 0) {
        str_printf(why, "%s", err);
        goto out;
    }
    if (public_of(&pem, &p, why) < 0)
        goto out;
    dkimrec_spec spec = { .k = a->alg == KGKEY_RSA ? "rsa" : "ed25519", .p = p.buf,
                        .testing = a->testing, .no_subdomains = a->no_subdomains };
    dkimrec_format(&spec, &rec);
    dkimrec_zone_line(&spec, a->selector, a->domain, &zone);
    if (write_files(a, &pem, &zone, why) < 0)
        goto out;
    print_result(a, &rec, &zone, out);
    rc = 0;
out:
    OPENSSL_cleanse(pem.buf, pem.len);
    str_free(&pem);
    str_free(&p);
    str_free(&rec);
    str_free(&zone);
    return rc;
}
