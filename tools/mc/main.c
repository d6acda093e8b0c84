/*
 * main.c - milterkit-mc: MTA configuration (sendmail or Postfix) for the
 * submission port and the ISP's smart host, with the milters attached,
 * from milterkit.conf.  Thin: options, settings, checks, then one generator
 * and install / diff / check / apply of what it staged.  See
 * milterkit-mc(8).
 */
#include "config.h"

#include "mc_cert.h"
#include "mc_check.h"
#include "mc_job.h"
#include "mc_msg.h"
#include "mc_pfrun.h"
#include "mc_postfix.h"
#include "mc_sasl.h"
#include "mc_sendmail.h"
#include "mc_smrun.h"
#include "core/fileio.h"
#include "core/mem.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_PROBLEMS 1
#define EXIT_USAGE 64 /* EX_USAGE, as every milterkit program (milterkit(7)) */

typedef struct mc_args {
    const char *conf, *mta, *out_dir;
    bool check, diff, apply, force, make_cert, sync_sasldb;
} mc_args;

static _Noreturn void usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: milterkit-mc [options] [--check] [--diff] [--apply | --sync-sasldb]\n"
            "  -c FILE           the configuration (default %s/milterkit/milterkit.conf)\n"
            "  --mta NAME        sendmail or postfix (default: mta.flavor)\n"
            "  -o DIR            write the files into DIR (default: mta.config_dir)\n"
            "  --check           check the result with the MTA itself; write nothing\n"
            "  --diff            show what would change; write nothing\n"
            "  --apply           install into mta.config_dir (with backups), reload the MTA\n"
            "  --sync-sasldb     copy the SASL users into Postfix's chroot\n"
            "  --make-cert       make a self-signed certificate when there is none\n"
            "  --force           replace files milterkit-mc did not write (without --apply)\n"
            "  --cf-dir DIR      sendmail's cf tree (default /usr/share/sendmail/cf)\n"
            "  --mta-root DIR    where the MTA's programs are installed (default /)\n"
            "  --templates DIR   where the templates are\n"
            "  -h, --help        this text\n"
            "  -V, --version     the version\n",
            SYSCONFDIR);
    exit(status);
}

static _Noreturn void usage_error(const char *msg)
{
    fprintf(stderr, "milterkit-mc: %s\n", msg);
    usage(EXIT_USAGE);
}

static void parse_args(int argc, char **argv, mc_args *a, mc_job *j)
{
    static const struct option longopts[] = {
        {"mta", required_argument, NULL, 'm'},    {"cf-dir", required_argument, NULL, 'C'},
        {"mta-root", required_argument, NULL, 'R'}, {"templates", required_argument, NULL, 'T'},
        {"check", no_argument, NULL, 'k'},        {"diff", no_argument, NULL, 'd'},
        {"apply", no_argument, NULL, 'a'},        {"sync-sasldb", no_argument, NULL, 's'},
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
        case 'a': a->apply = true; break;
        case 's': a->sync_sasldb = true; break;
        case 'f': a->force = true; break;
        case 'M': a->make_cert = true; break;
        case 'h': usage(0);
        case 'V': printf("milterkit-mc %s\n", PACKAGE_VERSION); exit(0);
        default: usage(EXIT_USAGE);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument");
    if (a->mta && strcmp(a->mta, "sendmail") != 0 && strcmp(a->mta, "postfix") != 0)
        usage_error("--mta must be sendmail or postfix");
    if ((a->apply || a->sync_sasldb) && (a->check || a->diff || a->out_dir))
        usage_error("--apply and --sync-sasldb work on mta.config_dir: no --check, --diff or -o");
    if (a->apply && a->sync_sasldb)
        usage_error("--apply copies the SASL users itself: give one of the two");
}

/* "/" and "" mean the running system; a trailing slash goes. */
static char *root_prefix(const char *root)
{
    size_t n = root ? strlen(root) : 0;

    while (n > 0 && root[n - 1] == '/')
        n--;
    return mem_strndup(root ? root : "", n);
}

/* Reports every line of a loader's errors. */
static void report_errors(const str_t *errors)
{
    const char *p = errors->buf;

    while (*p) {
        size_t n = strcspn(p, "\n");

        if (n > 0)
            mc_error("%.*s", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

/* The config: site, mta and the milters' sockets, every error of both. */
static int load(mc_job *j, const mc_args *a)
{
    str_t errors;
    int rc, mrc;

    str_init(&errors);
    rc = site_load(j->conf_path, &j->site, "mta", &mta_schema, &j->mta, &errors);
    mrc = mc_milters_read(j->conf_path, &j->milters, &errors);
    report_errors(&errors);
    str_free(&errors);
    if (rc < 0 || mrc < 0) {
        if (rc == 0) {
            site_free(&j->site);
            cfg_free(&mta_schema, &j->mta);
        }
        if (mrc == 0)
            mc_milters_free(&j->milters);
        return -1;
    }
    j->flavor = a->mta ? a->mta : j->mta.flavor;
    j->config_dir = mc_settings_config_dir(&j->mta, j->flavor);
    return 0;
}

static bool is_sendmail(const mc_job *j)
{
    return strcmp(j->flavor, "sendmail") == 0;
}

/* After the settings: generate, check, diff, then install or apply. */
static int run(mc_job *j, const mc_args *a, const char *out_dir)
{
    bool generated;

    mc_check_smarthost(j);
    mc_check_password(j);
    if (mc_cert_setup(j, out_dir, a->make_cert) == 0)
        mc_check_tls(j);
    generated = (is_sendmail(j) ? mc_sendmail_generate(j) : mc_postfix_generate(j)) == 0;
    if (a->check || a->apply)
        (void)(is_sendmail(j) ? mc_sasl_check_sendmail(j) : mc_pfrun_check_sasl(j));
    if (generated && (a->check || a->apply))
        (void)(is_sendmail(j) ? mc_smrun_check(j) : mc_pfrun_check(j));
    if (generated && a->diff && mc_out_diff(&j->out, out_dir) >= 0 && !is_sendmail(j))
        mc_pfrun_diff(j);
    if (mc_errors() > 0) {
        mc_msg_summary("nothing written");
        return -1;
    }
    if (a->check)
        mc_note("%s accepts the generated configuration", j->flavor);
    if (a->check || a->diff)
        return 0;
    if (a->apply)
        return is_sendmail(j) ? mc_smrun_apply(j) : mc_pfrun_apply(j);
    if (fileio_mkdirs(out_dir, 0755) < 0) {
        mc_error("%s: %s", out_dir, strerror(errno));
        return -1;
    }
    if (mc_out_install(&j->out, out_dir, a->force) < 0)
        return -1;
    mc_note("next: milterkit-mc --apply installs them into %s and reloads %s (or by hand: %s)",
            j->config_dir, j->flavor,
            is_sendmail(j) ? "copy them, then restart sendmail"
                           : "sh milterkit-postconf.sh CONFIG_DIR, then postfix reload");
    return 0;
}

/* --sync-sasldb: only Postfix's chroot needs a copy. */
static int sync_sasldb(mc_job *j)
{
    if (is_sendmail(j)) {
        mc_note("nothing to copy: sendmail reads %s itself", j->mta.submission.sasldb);
        return 0;
    }
    return mc_pfrun_sync_sasldb(j) == 0 ? 0 : EXIT_PROBLEMS;
}

int main(int argc, char **argv)
{
    mc_args a = {.conf = SYSCONFDIR "/milterkit/milterkit.conf"};
    mc_job j = {0};
    str_t why;
    char *root = NULL;
    int status = EXIT_PROBLEMS;

    parse_args(argc, argv, &a, &j);
    j.conf_path = a.conf;
    mc_msg_conf(a.conf);
    root = root_prefix(j.mta_root);
    j.mta_root = root;
    if (load(&j, &a) < 0) {
        mc_msg_summary("nothing written");
        mem_free(&root);
        return EXIT_PROBLEMS;
    }
    str_init(&why);
    j.strict = a.check || a.apply;
    j.apply = a.apply;
    if (mc_out_init(&j.out, &why) < 0)
        mc_error("staging directory: %s", why.buf);
    else if (a.sync_sasldb)
        status = sync_sasldb(&j);
    else if (run(&j, &a, a.out_dir ? a.out_dir : j.config_dir) == 0)
        status = 0;
    if (j.password) {
        explicit_bzero(j.password, strlen(j.password));
        mem_free(&j.password);
    }
    for (size_t i = 0; i < sizeof j.tls_owned / sizeof j.tls_owned[0]; i++)
        mem_free(&j.tls_owned[i]);
    mc_out_free(&j.out);
    mc_milters_free(&j.milters);
    site_free(&j.site);
    cfg_free(&mta_schema, &j.mta);
    str_free(&why);
    mem_free(&root);
    return status;
}
