/*
 * main.c - milterkit-keygen: make DKIM keys and their DNS records, and check
 * that a published record matches a key file.  See milterkit-keygen(8).
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kgcheck.h"
#include "kggen.h"
#include "kgname.h"
#include "core/dname.h"
#include "core/mem.h"
#include "milter/site.h"

/* A usage error, as for every milterkit program (milterkit(7)): EX_USAGE. */
#define EXIT_USAGE 64

typedef struct opts {
    const char *domain, *selector, *alg, *bits, *dir, *keyfile, *config;
    bool check, testing, no_subdomains;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: milterkit-keygen -d DOMAIN [-s SELECTOR] [-a rsa|ed25519] [-b BITS] [-D DIR]\n"
            "                        [--testing] [--no-subdomains] [-c milterkit.conf]\n"
            "       milterkit-keygen --check -d DOMAIN -s SELECTOR -k KEYFILE [-c milterkit.conf]\n"
            "       milterkit-keygen -h | --help | -V | --version\n"
            "make a DKIM key and its DNS record, or check a published record\n"
            "  -d DOMAIN        signing domain (d=); default site.domain of the -c file\n"
            "  -s SELECTOR      selector (s=); default the year and month, e.g. 202611\n"
            "  -a rsa|ed25519   key type (default rsa)\n"
            "  -b BITS          RSA key size, 1024 to 4096 (default 2048); ignored for ed25519\n"
            "  -D DIR           where to write SELECTOR.private and SELECTOR.txt (default .)\n"
            "  --testing        add t=y to the record\n"
            "  --no-subdomains  add t=s to the record\n"
            "  -c FILE          read site.domain and site.dns from this milterkit.conf\n"
            "  --check          check the record published for -d/-s against -k KEYFILE\n"
            "  -k KEYFILE       the private key to check against (--check only)\n"
            "  -h, --help       print this help and exit\n"
            "  -V, --version    print the version and exit\n"
            "Exit: 0 done/matching, 1 published but different, 2 absent, 3 DNS error,\n"
            "      4 malformed record, 5 other error, 64 usage error.\n");
}

static _Noreturn __attribute__((format(printf, 1, 2))) void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "milterkit-keygen: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    usage(stderr);
    exit(EXIT_USAGE);
}

static void parse_args(int argc, char **argv, opts *o)
{
    enum { OPT_CHECK = 256, OPT_TESTING, OPT_NOSUB };
    static const struct option longopts[] = {
        { "check", no_argument, NULL, OPT_CHECK },
        { "testing", no_argument, NULL, OPT_TESTING },
        { "no-subdomains", no_argument, NULL, OPT_NOSUB },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "a:b:c:d:D:hk:s:V", longopts, NULL)) != -1) {
        switch (c) {
        case 'a': o->alg = optarg; break;
        case 'b': o->bits = optarg; break;
        case 'c': o->config = optarg; break;
        case 'd': o->domain = optarg; break;
        case 'D': o->dir = optarg; break;
        case 'k': o->keyfile = optarg; break;
        case 's': o->selector = optarg; break;
        case OPT_CHECK: o->check = true; break;
        case OPT_TESTING: o->testing = true; break;
        case OPT_NOSUB: o->no_subdomains = true; break;
        case 'h': usage(stdout); exit(0);
        case 'V': printf("milterkit-keygen %s\n", PACKAGE_VERSION); exit(0);
        default: usage(stderr); exit(EXIT_USAGE);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument: %s", argv[optind]);
}

/* Reads site (for site.domain and site.dns) from the config file. */
static void load_site(const char *path, site_settings *site)
{
    str_t errors;
    str_init(&errors);
    if (site_load(path, site, NULL, NULL, NULL, &errors) < 0) {
        fprintf(stderr, "milterkit-keygen: %s: invalid configuration:\n%s", path, errors.buf);
        exit(KGCHECK_ERROR);
    }
    str_free(&errors);
}

static void check_names(const opts *o)
{
    if (o->domain == NULL)
        usage_error("%s", "-d DOMAIN is required (or site.domain in the -c file)");
    const char *why;

    if (dname_check(o->domain, DNAME_SIGNING, &why) < 0)
        usage_error("invalid domain name \"%s\": %s", o->domain, why);
    if (o->selector != NULL && dname_check_dkim_key(o->selector, o->domain, &why) < 0)
        usage_error("invalid selector \"%s\": %s", o->selector, why);
}

static int run_check(const opts *o, const site_settings *site)
{
    if (o->selector == NULL || o->keyfile == NULL)
        usage_error("%s", "--check needs -s SELECTOR and -k KEYFILE");
    if (o->alg != NULL || o->bits != NULL || o->dir != NULL || o->testing || o->no_subdomains)
        usage_error("%s", "-a, -b, -D, --testing and --no-subdomains do not apply to --check");
    kgcheck_args a = { .domain = o->domain, .selector = o->selector, .keyfile = o->keyfile,
                       .servers = site ? site->dns.servers.items : NULL,
                       .nservers = site ? site->dns.servers.count : 0,
                       .timeout = site ? site->dns.timeout : 5,
                       .user = site ? site->user : NULL, .group = site ? site->group : NULL };
    str_t why;
    str_init(&why);
    kgcheck_result r = kgcheck_run(&a, stdout, &why);
    if (r == KGCHECK_ERROR)
        fprintf(stderr, "milterkit-keygen: %s\n", why.buf);
    str_free(&why);
    return (int)r;
}

static int run_generate(const opts *o)
{
    char selbuf[32];
    kggen_args a = { .domain = o->domain, .selector = o->selector,
                     .dir = o->dir != NULL ? o->dir : ".", .alg = KGKEY_RSA,
                     .testing = o->testing, .no_subdomains = o->no_subdomains };
    const char *err;
    if (o->keyfile != NULL)
        usage_error("%s", "-k applies to --check only");
    if (o->alg != NULL && kgkey_alg_parse(o->alg, &a.alg) < 0)
        usage_error("unknown algorithm (rsa or ed25519): %s", o->alg);
    long bits = 0;
    if (o->bits != NULL && kgname_parse_long(o->bits, &bits) < 0)
        usage_error("-b: not a number: %s", o->bits);
    if (a.alg == KGKEY_RSA && o->bits == NULL)
        bits = KGKEY_RSA_DEFAULT_BITS;
    if (a.alg == KGKEY_ED25519 && o->bits != NULL) {
        fprintf(stderr, "milterkit-keygen: note: -b is not used for Ed25519 keys (always 256 "
                        "bits); ignored\n");
        bits = 0;
    }
    if (kgkey_check_bits(a.alg, bits, &err) < 0)
        usage_error("%s", err);
    a.bits = (int)bits;
    if (a.selector == NULL) {
        kgname_default_selector(time(NULL), selbuf, sizeof selbuf);
        a.selector = selbuf;
    }
    str_t why;
    str_init(&why);
    int rc = 0;
    if (kggen_run(&a, stdout, &why) < 0) {
        fprintf(stderr, "milterkit-keygen: %s\n", why.buf);
        rc = KGCHECK_ERROR;
    }
    str_free(&why);
    return rc;
}

int main(int argc, char **argv)
{
    opts o = { 0 };
    site_settings site;
    bool have_site = false;
    parse_args(argc, argv, &o);
    if (o.config != NULL) {
        load_site(o.config, &site);
        have_site = true;
        if (o.domain == NULL)
            o.domain = site.domain;
    }
    check_names(&o);
    int rc = o.check ? run_check(&o, have_site ? &site : NULL) : run_generate(&o);
    if (have_site)
        site_free(&site);
    return rc;
}
