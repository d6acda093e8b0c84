/*
 * main.c - milterkit-mc: MTA configuration (sendmail or Postfix) for the
 * submission port and the ISP's smart host, with the milters attached,
 * from milterkit.conf.  Thin: options, settings, checks, then one generator
 * and install / diff / check of what it staged.  See milterkit-mc(8).
 */
#include "config.h"

#include "mc_cert.h"
#include "mc_check.h"
#include "mc_file.h"
#include "mc_job.h"
#include "mc_msg.h"
#include "mc_postfix.h"
#include "mc_sendmail.h"
#include "core/fileio.h"
#include "core/mem.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_PROBLEMS 1
#define EXIT_USAGE 2

typedef struct mc_args {
    const char *conf, *mta, *out_dir;
    bool check, diff, force, make_cert;
} mc_args;

static _Noreturn void usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: milterkit-mc [-c milterkit.conf] [--mta sendmail|postfix] [-o DIR]\n"
            "                    [--cf-dir DIR] [--mta-root DIR] [--templates DIR]\n"
            "                    [--check] [--diff] [--force] [--make-cert]\n"
            "       milterkit-mc -V | -h\n");
    exit(status);
}

static void parse_args(int argc, char **argv, mc_args *a, mc_job *j)
{
    static const struct option longopts[] = {
        {"mta", required_argument, NULL, 'm'},    {"cf-dir", required_argument, NULL, 'C'},
        {"mta-root", required_argument, NULL, 'R'}, {"templates", required_argument, NULL, 'T'},
        {"check", no_argument, NULL, 'k'},        {"diff", no_argument, NULL, 'd'},
        {"force", no_argument, NULL, 'f'},        {"make-cert", no_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "c:o:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': a->conf = optarg; break;
        case 'o': a->out_dir = optarg; break;
        case 'm': a->mta = optarg; break;
        case 'C': j->cf_dir = optarg; break;
        case 'R': j->mta_root = optarg; break;
        case 'T': j->templates = optarg; break;
        case 'k': a->check = true; break;
        case 'd': a->diff = true; break;
        case 'f': a->force = true; break;
        case 'M': a->make_cert = true; break;
        case 'h': usage(0);
        case 'V': printf("milterkit-mc %s\n", PACKAGE_VERSION); exit(0);
        default: usage(EXIT_USAGE);
        }
    }
    if (optind != argc)
        usage(EXIT_USAGE);
    if (a->mta && strcmp(a->mta, "sendmail") != 0 && strcmp(a->mta, "postfix") != 0) {
        fprintf(stderr, "milterkit-mc: --mta must be sendmail or postfix\n");
        exit(EXIT_USAGE);
    }
}

/* "/" and "" mean the running system; a trailing slash goes. */
static char *root_prefix(const char *root)
{
    size_t n = root ? strlen(root) : 0;

    while (n > 0 && root[n - 1] == '/')
        n--;
    return mem_strndup(root ? root : "", n);
}

/* The certificate of --make-cert: kept from an earlier run in the output
 * directory, or made now.  Staged as certs/milterkit-selfsigned.{crt,key}. */
static int self_signed(mc_job *j, const char *out_dir, str_t *cert_path, str_t *key_path)
{
    str_t cert, key, why, p;
    int rc = -1;

    str_init(&cert), str_init(&key), str_init(&why), str_init(&p);
    str_printf(&p, "%s/certs/milterkit-selfsigned.crt", out_dir);
    if (fileio_read(p.buf, 65536, &cert, &why) == 0) {
        str_clear(&p);
        str_printf(&p, "%s/certs/milterkit-selfsigned.key", out_dir);
        if (fileio_read(p.buf, 65536, &key, &why) < 0)
            str_clear(&cert);
    }
    if (cert.len == 0 || key.len == 0) {
        str_clear(&cert), str_clear(&key), str_clear(&why);
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
    str_clear(&why);
    if (mc_out_add(&j->out, "certs/milterkit-selfsigned.crt", cert.buf, cert.len, 0644, false,
                   &why) < 0 ||
        mc_out_add(&j->out, "certs/milterkit-selfsigned.key", key.buf, key.len, 0600, true,
                   &why) < 0) {
        mc_error("%s", why.buf);
        goto out;
    }
    str_printf(cert_path, "%s/certs/milterkit-selfsigned.crt", j->config_dir);
    str_printf(key_path, "%s/certs/milterkit-selfsigned.key", j->config_dir);
    rc = 0;
out:
    explicit_bzero(key.buf, key.len);
    str_free(&cert), str_free(&key), str_free(&why), str_free(&p);
    return rc;
}

static int load(mc_job *j, const mc_args *a)
{
    str_t errors;
    int rc;

    str_init(&errors);
    rc = site_load(j->conf_path, &j->site, "mta", &mta_schema, &j->mta, &errors);
    if (rc == 0 && mc_milters_read(j->conf_path, &j->milters, &errors) < 0) {
        site_free(&j->site);
        cfg_free(&mta_schema, &j->mta);
        rc = -1;
    }
    if (rc < 0)
        fputs(errors.buf, stderr);
    str_free(&errors);
    if (rc < 0)
        return -1;
    j->flavor = a->mta ? a->mta : j->mta.flavor;
    if (j->mta.config_dir)
        j->config_dir = j->mta.config_dir;
    else
        j->config_dir = strcmp(j->flavor, "postfix") == 0 ? "/etc/postfix" : "/etc/mail";
    return 0;
}

/* Generates into the stage, then checks, diffs or installs. */
static int run(mc_job *j, const mc_args *a, const char *out_dir)
{
    bool sendmail = strcmp(j->flavor, "sendmail") == 0;
    int rc;

    rc = sendmail ? mc_sendmail_generate(j) : mc_postfix_generate(j);
    if (rc < 0 || mc_errors() > 0)
        return -1;
    if (a->check) {
        rc = sendmail ? mc_sendmail_check(j) : mc_postfix_check(j);
        if (rc == 0)
            mc_note("%s accepts the generated configuration", j->flavor);
    }
    if (a->diff && mc_out_diff(&j->out, out_dir) < 0)
        rc = -1;
    if (a->check || a->diff)
        return rc;
    if (fileio_mkdirs(out_dir, 0755) < 0 || mc_out_install(&j->out, out_dir, a->force) < 0)
        return -1;
    if (sendmail)
        mc_note("next: install the files in %s, then restart sendmail", j->config_dir);
    else
        mc_note("next: sh %s/milterkit-postconf.sh %s && postfix reload", out_dir,
                j->config_dir);
    return 0;
}

int main(int argc, char **argv)
{
    mc_args a = {.conf = SYSCONFDIR "/milterkit/milterkit.conf"};
    mc_job j = {0};
    str_t cert, key, why;
    char *root = NULL;
    const char *out_dir;
    int status = EXIT_PROBLEMS;

    parse_args(argc, argv, &a, &j);
    j.conf_path = a.conf;
    root = root_prefix(j.mta_root);
    j.mta_root = root;
    str_init(&cert), str_init(&key), str_init(&why);
    if (load(&j, &a) < 0) {
        mem_free(&root);
        return EXIT_PROBLEMS;
    }
    out_dir = a.out_dir ? a.out_dir : j.config_dir;
    j.strict = a.check;
    j.tls_cert = j.mta.submission.tls.cert;
    j.tls_key = j.mta.submission.tls.key;
    j.tls_ca = j.mta.submission.tls.ca;
    if (mc_out_init(&j.out, &why) < 0) {
        mc_error("staging directory: %s", why.buf);
        goto out;
    }
    if (j.tls_cert == NULL && a.make_cert && j.mta.submission.enable) {
        if (self_signed(&j, out_dir, &cert, &key) < 0)
            goto out;
        j.tls_cert = cert.buf;
        j.tls_key = key.buf;
    } else if (mc_check_tls(&j) < 0 && a.check)
        goto out;
    if (mc_check_smarthost(&j) < 0 || mc_check_password(&j) < 0 || mc_errors() > 0)
        goto out;
    if (run(&j, &a, out_dir) == 0 && mc_errors() == 0)
        status = 0;
out:
    if (j.password) {
        explicit_bzero(j.password, strlen(j.password));
        mem_free(&j.password);
    }
    mc_out_free(&j.out);
    mc_milters_free(&j.milters);
    site_free(&j.site);
    cfg_free(&mta_schema, &j.mta);
    str_free(&cert), str_free(&key), str_free(&why);
    mem_free(&root);
    return status;
}
