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
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(int argc, char **argv)
{
    const char *server = getenv("MK_DNS_SERVER"), *error = NULL;
    unsigned timeout = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2000;
    dns_config cfg = {.servers = &server, .nservers = 1, .timeout_ms = timeout};
    char line[8192];
    dns *d;
    dns_resolver r;

    if (argc < 2 || strcmp(argv[1], "spf") != 0) {
        fprintf(stderr, "usage: auth_eval spf [TIMEOUT_MS]\n");
        return 2;
    }
    if (server == NULL || dns_new(&cfg, &d, &error) < 0) {
        fprintf(stderr, "auth_eval: MK_DNS_SERVER unset or bad (%s)\n", error ? error : "");
        return 2;
    }
    r = dns_resolver_of(d);
    while (fgets(line, sizeof line, stdin) != NULL) {
        spf_line(&r, line, 20000);
        fflush(stdout);
    }
    dns_free(&d);
    return 0;
}
