/*
 * auth_eval.c - lib/auth's SPF and DMARC evaluation driven from stdin,
 * for the tests that need a real DNS (tests/unit/spf-suite.py,
 * tests/unit/dmarc-dns.py, tests/unit/dmarc-oracle.py) and for timing one
 * evaluation.  Not installed.
 *
 * usage: MK_DNS_SERVER=127.0.0.1@PORT auth_eval MODE [TIMEOUT_MS]
 *   spf    lines "IP<TAB>HELO<TAB>MAILFROM"; prints the MAIL FROM result
 *          word; with MK_SPF_VERBOSE set also the HELO result, the
 *          mechanism and the reason.
 *   dmarc  one case is a group of lines ended by a line "E":
 *            F<TAB>value        a From header field value ("\n" for a line
 *                               break); repeat for several fields
 *            S<TAB>result<TAB>domain   the SPF result word and its domain
 *            D<TAB>domain<TAB>pass|fail  one DKIM signature; repeat
 *            B<TAB>ms           time budget (default 20000)
 *          prints one line per case: "result=R policy=P flags=F queries=N
 *          why=W" then, per Author Domain, " | domain=A result=R
 *          policy_domain=D org=O tag=T requested=Q policy=P testing=0|1
 *          exists=0|1 dkim=0|1 spf=0|1" (fields "-" when absent).
 *   spf-time / dmarc-time N   the first case of stdin evaluated N times;
 *          prints the CPU and wall time of one evaluation (cache warm).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dmarc.h"
#include "auth/spf.h"
#include "core/cidr.h"
#include "dns/dns.h"

static void spf_line(const dns_resolver *r, char *line, unsigned budget_ms)
{
    char *ip = strtok(line, "\t\n"), *helo = strtok(NULL, "\t\n"), *from = strtok(NULL, "\n");
    spf_request req = {.helo = helo, .mail_from = from != NULL ? from : ""};
    dns_budget b = dns_budget_in(budget_ms);
    spf_verdict v;

    if (ip == NULL || cidr_addr_parse(ip, &req.client) < 0) {
        puts("bad-input");
        return;
    }
    spf_evaluate(r, &b, &req, &v);
    if (getenv("MK_SPF_VERBOSE") != NULL)
        printf("%s helo=%s mechanism=%s why=%s lookups=%u voids=%u\n",
               spf_result_name(v.mailfrom.result), spf_result_name(v.helo.result),
               v.mailfrom.mechanism ? v.mailfrom.mechanism : "-", v.mailfrom.why,
               v.mailfrom.lookups, v.mailfrom.voids);
    else
        puts(spf_result_name(v.mailfrom.result));
    spf_verdict_free(&v);
}

/* ---- dmarc ---- */

typedef struct dcase {
    char *from[64];
    size_t nfrom;
    spf_result spf;
    char *spf_domain;
    dmarc_dkim dkim[64];
    size_t ndkim;
    unsigned budget_ms;
} dcase;

static spf_result spf_word(const char *w)
{
    for (int r = SPF_NONE; r <= SPF_PERMERROR; r++)
        if (strcmp(spf_result_name((spf_result)r), w) == 0)
            return (spf_result)r;
    return SPF_NONE;
}

/* "\n" in a From value stands for a line break. */
static char *unescape(const char *s)
{
    char *out = strdup(s), *o = out;

    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == 'n') {
            *o++ = '\n';
            s++;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

static void dcase_free(dcase *c)
{
    for (size_t i = 0; i < c->nfrom; i++)
        free(c->from[i]);
    for (size_t i = 0; i < c->ndkim; i++)
        free((char *)c->dkim[i].domain);
    free(c->spf_domain);
    memset(c, 0, sizeof *c);
    c->budget_ms = 20000;
}

/* Adds one input line to the case; true at "E". */
static int dcase_line(dcase *c, char *line)
{
    char *kind = strtok(line, "\t\n"), *a = strtok(NULL, "\t\n"), *b = strtok(NULL, "\t\n");

    if (kind == NULL)
        return 0;
    if (strcmp(kind, "E") == 0)
        return 1;
    if (strcmp(kind, "F") == 0 && c->nfrom < 64)
        c->from[c->nfrom++] = unescape(a ? a : "");
    else if (strcmp(kind, "S") == 0 && a != NULL) {
        c->spf = spf_word(a);
        free(c->spf_domain);
        c->spf_domain = b ? strdup(b) : NULL;
    } else if (strcmp(kind, "D") == 0 && a != NULL && c->ndkim < 64)
        c->dkim[c->ndkim++] = (dmarc_dkim){.domain = strdup(a), .pass = b && !strcmp(b, "pass")};
    else if (strcmp(kind, "B") == 0 && a != NULL)
        c->budget_ms = (unsigned)strtoul(a, NULL, 10);
    return 0;
}

static dmarc_result dcase_run(const dns_resolver *r, const dcase *c, dmarc_verdict *v)
{
    dmarc_request req = {
        .from = (const char *const *)c->from,
        .nfrom = c->nfrom,
        .spf = c->spf,
        .spf_domain = c->spf_domain,
        .dkim = c->dkim,
        .ndkim = c->ndkim,
    };
    dns_budget b = dns_budget_in(c->budget_ms);

    return dmarc_evaluate(r, &b, &req, v);
}

static const char *or_dash(const char *s)
{
    return s != NULL ? s : "-";
}

static void dmarc_print(const dmarc_verdict *v)
{
    printf("result=%s policy=%s flags=%s%s%s%s- queries=%u why=%s", dmarc_result_name(v->result),
           dmarc_policy_name(v->policy), v->multiple_from_fields ? "fields," : "",
           v->multiple_domains ? "domains," : "", v->from_problem ? "from," : "",
           v->incomplete ? "incomplete," : "", v->queries, v->why ? v->why : "");
    for (size_t i = 0; i < v->ndomains; i++) {
        const dmarc_domain *d = &v->domains[i];

        printf(" | domain=%s result=%s policy_domain=%s org=%s tag=%s requested=%s policy=%s "
               "testing=%d exists=%d dkim=%d spf=%d",
               d->author_domain, dmarc_result_name(d->result), or_dash(d->policy_domain),
               or_dash(d->org_domain), or_dash(d->policy_tag),
               d->policy_tag ? dmarc_policy_name(d->requested) : "-", dmarc_policy_name(d->policy),
               d->testing, d->exists, d->dkim_aligned, d->spf_aligned);
    }
    putchar('\n');
}

static void dmarc_mode(const dns_resolver *r)
{
    char line[8192];
    dcase c = {.budget_ms = 20000};

    while (fgets(line, sizeof line, stdin) != NULL) {
        dmarc_verdict v;

        if (!dcase_line(&c, line))
            continue;
        dcase_run(r, &c, &v);
        dmarc_print(&v);
        fflush(stdout);
        dmarc_verdict_free(&v);
        dcase_free(&c);
    }
    dcase_free(&c);
}

/* ---- timing ---- */

static double seconds(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void time_mode(const dns_resolver *r, bool dmarc, unsigned n)
{
    char line[8192];
    dcase c = {.budget_ms = 20000};
    char spf_input[8192] = "";
    double cpu0 = 0, wall0 = 0;

    while (fgets(line, sizeof line, stdin) != NULL) {
        if (!dmarc) {
            snprintf(spf_input, sizeof spf_input, "%s", line);
            break;
        }
        if (dcase_line(&c, line))
            break;
    }
    if (n == 0)
        n = 1;
    for (unsigned i = 0; i <= n; i++) {
        if (i == 1) { /* the first run fills the cache */
            cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
            wall0 = seconds(CLOCK_MONOTONIC);
        }
        if (dmarc) {
            dmarc_verdict v;

            dcase_run(r, &c, &v);
            dmarc_verdict_free(&v);
        } else {
            char copy[8192];
            char *ip, *helo, *from;
            spf_request req = {0};
            spf_verdict v;
            dns_budget b = dns_budget_in(20000);

            memcpy(copy, spf_input, sizeof copy);
            ip = strtok(copy, "\t\n");
            helo = strtok(NULL, "\t\n");
            from = strtok(NULL, "\n");
            if (ip == NULL || cidr_addr_parse(ip, &req.client) < 0)
                return;
            req.helo = helo;
            req.mail_from = from ? from : "";
            spf_evaluate(r, &b, &req, &v);
            spf_verdict_free(&v);
        }
    }
    printf("evaluations=%u cpu_us=%.1f wall_us=%.1f\n", n,
           (seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0) * 1e6 / n,
           (seconds(CLOCK_MONOTONIC) - wall0) * 1e6 / n);
    dcase_free(&c);
}

int main(int argc, char **argv)
{
    const char *server = getenv("MK_DNS_SERVER"), *error = NULL;
    bool timing = argc > 1 && strstr(argv[1], "-time") != NULL;
    unsigned timeout = !timing && argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2000;
    dns_config cfg = {.servers = &server, .nservers = 1, .timeout_ms = timeout};
    char line[8192];
    dns *d;
    dns_resolver r;

    if (argc < 2 || (strcmp(argv[1], "spf") != 0 && strcmp(argv[1], "dmarc") != 0 &&
                     strcmp(argv[1], "spf-time") != 0 && strcmp(argv[1], "dmarc-time") != 0)) {
        fprintf(stderr, "usage: auth_eval spf|dmarc [TIMEOUT_MS] | spf-time|dmarc-time N\n");
        return 2;
    }
    if (server == NULL || dns_new(&cfg, &d, &error) < 0) {
        fprintf(stderr, "auth_eval: MK_DNS_SERVER unset or bad (%s)\n", error ? error : "");
        return 2;
    }
    r = dns_resolver_of(d);
    if (timing)
        time_mode(&r, strcmp(argv[1], "dmarc-time") == 0,
                  argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1000);
    else if (strcmp(argv[1], "dmarc") == 0)
        dmarc_mode(&r);
    else
        while (fgets(line, sizeof line, stdin) != NULL) {
            spf_line(&r, line, 20000);
            fflush(stdout);
        }
    dns_free(&d);
    return 0;
}
