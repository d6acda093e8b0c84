/*
 * main.c - milterkit-check: does this site work, and what to do where it
 * does not.  A checklist, in the order mail meets the parts: each part's
 * configuration, the daemons answering, the MTA able to reach them and
 * calling them in order without failing open, the signing keys against
 * DNS, what receivers find in DNS, and on request a test message.
 * See milterkit-check(8).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_conf.h"
#include "ck_daemons.h"
#include "ck_dnscheck.h"
#include "ck_keys.h"
#include "ck_mta.h"
#include "ck_mtaopts.h"
#include "ck_postfix.h"
#include "ck_report.h"
#include "ck_send.h"
#include "ck_sendmail.h"
#include "dns/dns.h"
#include "milter/daemon.h"

#ifndef SBINDIR
#define SBINDIR "/usr/sbin"
#endif

typedef struct opts {
    const char *conf, *sbindir;
    bool quiet, send;
    int timeout_ms;
    ck_mtaopts mta;
    ck_sendopts sendo;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: milterkit-check [-q] [-c FILE] [--mta sendmail|postfix]\n"
            "                       [--postfix-dir DIR] [--postconf PATH] [--sendmail-cf FILE]\n"
            "                       [--sbindir DIR] [--timeout SECONDS]\n"
            "                       [--send ADDRESS --send-user LOGIN [--send-password-file FILE]\n"
            "                        [--send-from ADDRESS] [--send-server HOST[:PORT]]\n"
            "                        [--maillog FILE] [--swaks PATH]]\n"
            "       milterkit-check -h | -V\n"
            "Checks the site described by FILE (default %s): each part's\n"
            "configuration, the daemons answering on their sockets, the MTA able to reach\n"
            "them and calling them in order without failing open, the DKIM keys against\n"
            "DNS, the SPF, DMARC and reverse DNS that receivers see; with --send, a test\n"
            "message through the submission port.\n"
            "  -c FILE     the configuration\n"
            "  -q          print only the problems\n"
            "  --mta       the MTA to check (default: mta.flavor)\n"
            "  --sbindir   where the daemons are (default %s)\n"
            "  --timeout   seconds a daemon may take to answer (default 5)\n"
            "Exit: 0 all ok, 1 warnings only, 2 errors, 3 usage error.\n",
            daemon_default_config(), SBINDIR);
}

static _Noreturn void usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "milterkit-check: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    usage(stderr);
    exit(CK_EXIT_USAGE);
}

static int parse_seconds(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < 1 || v > 600)
        usage_error("--timeout must be 1 to 600 seconds", s);
    return (int)v;
}

static void parse_args(int argc, char **argv, opts *o)
{
    enum {
        O_MTA = 256, O_PFDIR, O_POSTCONF, O_SMCF, O_SBINDIR, O_TIMEOUT, O_SEND, O_SUSER,
        O_SPW, O_SFROM, O_SSERVER, O_MAILLOG, O_SWAKS
    };
    static const struct option longopts[] = {
        {"mta", required_argument, NULL, O_MTA},
        {"postfix-dir", required_argument, NULL, O_PFDIR},
        {"postconf", required_argument, NULL, O_POSTCONF},
        {"sendmail-cf", required_argument, NULL, O_SMCF},
        {"sbindir", required_argument, NULL, O_SBINDIR},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"send", required_argument, NULL, O_SEND},
        {"send-user", required_argument, NULL, O_SUSER},
        {"send-password-file", required_argument, NULL, O_SPW},
        {"send-from", required_argument, NULL, O_SFROM},
        {"send-server", required_argument, NULL, O_SSERVER},
        {"maillog", required_argument, NULL, O_MAILLOG},
        {"swaks", required_argument, NULL, O_SWAKS},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":c:hqV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': o->conf = optarg; break;
        case 'q': o->quiet = true; break;
        case 'h': usage(stdout); exit(CK_EXIT_OK);
        case 'V': printf("milterkit-check %s\n", PACKAGE_VERSION); exit(CK_EXIT_OK);
        case O_MTA: o->mta.flavor = optarg; break;
        case O_PFDIR: o->mta.postfix_dir = optarg; break;
        case O_POSTCONF: o->mta.postconf = optarg; break;
        case O_SMCF: o->mta.sendmail_cf = optarg; break;
        case O_SBINDIR: o->sbindir = optarg; break;
        case O_TIMEOUT: o->timeout_ms = parse_seconds(optarg) * 1000; break;
        case O_SEND: o->send = true, o->sendo.to = optarg; break;
        case O_SUSER: o->sendo.user = optarg; break;
        case O_SPW: o->sendo.password_file = optarg; break;
        case O_SFROM: o->sendo.from = optarg; break;
        case O_SSERVER: o->sendo.server = optarg; break;
        case O_MAILLOG: o->sendo.maillog = optarg; break;
        case O_SWAKS: o->sendo.swaks = optarg; break;
        case ':': usage_error("option needs an argument", argv[optind - 1]);
        default: usage_error("unknown option", argv[optind - 1]);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument", argv[optind]);
    if (o->mta.flavor != NULL && strcmp(o->mta.flavor, "postfix") != 0 &&
        strcmp(o->mta.flavor, "sendmail") != 0)
        usage_error("--mta must be sendmail or postfix", o->mta.flavor);
    if (!o->send && (o->sendo.user || o->sendo.password_file || o->sendo.from ||
                     o->sendo.server || o->sendo.maillog || o->sendo.swaks))
        usage_error("the --send-* options, --maillog and --swaks need --send ADDRESS", NULL);
}

/* Checks 3 and 4. */
static void check_mta(ck_report *r, const ck_conf *c, const ck_mtaopts *mo)
{
    const char *flavor = mo->flavor != NULL ? mo->flavor : c->flavor;
    ck_mta m;
    int rc;

    ck_mta_init(&m, flavor);
    rc = strcmp(flavor, "postfix") == 0 ? ck_postfix_read(r, c, mo, &m)
                                        : ck_sendmail_read(r, c, mo, &m);
    if (rc == 0) {
        ck_mta_check_access(r, c, &m);
        ck_mta_check_chains(r, c, &m);
    }
    ck_mta_free(&m);
}

/* Checks 5 and 6, through lib/dns with site.dns. */
static void check_dns(ck_report *r, const ck_conf *c)
{
    dns_config cfg = {.servers = (const char *const *)c->site.dns.servers.items,
                      .nservers = c->site.dns.servers.count,
                      .timeout_ms = (unsigned)c->site.dns.timeout * 1000u,
                      .trust_anchor_file = c->site.dns.trust_anchor};
    dns *d = NULL;
    const char *err;
    dns_resolver res;
    dns_budget budget;

    if (dns_new(&cfg, &d, &err) < 0) {
        ck_itemf(r, CK_FAIL, "dns", "correct site.dns in milterkit.conf (milterkit.conf(5))",
                 "cannot set up the resolver: %s", err);
        return;
    }
    res = dns_resolver_of(d);
    ck_keys_check(r, c, &res);
    budget = dns_budget_in(CK_DNS_BUDGET_MS); /* one for this run's check 6 */
    ck_dnscheck(r, c, &res, &budget);
    dns_free(&d);
}

int main(int argc, char **argv)
{
    opts o = {.conf = daemon_default_config(), .sbindir = SBINDIR,
              .timeout_ms = CK_PROBE_TIMEOUT_MS};
    ck_report r;
    ck_conf c;
    str_t errors;

    parse_args(argc, argv, &o);
    ck_report_init(&r, stdout, o.quiet);
    str_init(&errors);
    if (ck_conf_load(o.conf, &c, &errors) < 0) {
        str_t shown;

        str_init(&shown);
        ck_report_safe(&shown, errors.buf, errors.len, 4000, true);
        while (shown.len > 0 && shown.buf[shown.len - 1] == '\n')
            str_truncate(&shown, shown.len - 1);
        ck_item(&r, CK_FAIL, "config", shown.buf,
                "correct the file where the lines above say (milterkit.conf(5)); nothing "
                "else can be checked before");
        str_free(&shown);
    } else {
        ck_daemons_config(&r, &c, o.sbindir);
        ck_daemons_probe(&r, &c, o.timeout_ms);
        check_mta(&r, &c, &o.mta);
        check_dns(&r, &c);
        if (o.send)
            ck_send(&r, &c, &o.sendo);
        ck_conf_free(&c);
    }
    str_free(&errors);
    ck_report_summary(&r);
    return ck_report_exit(&r);
}
