/*
 * spf_libspf2.c - Debian's libspf2 with its DNS routed through lib/dns, as
 * a measuring instrument for the SPF decision (lib/auth/spf.h): run by
 * tests/unit/spf-suite.py over the RFC 7208 test suite beside our own
 * evaluator, so the numbers behind the decision are re-measured on every
 * run.  Not part of any daemon.
 *
 * usage: MK_DNS_SERVER=127.0.0.1@PORT spf_libspf2 [TIMEOUT_MS]
 * Reads lines "IP<TAB>HELO<TAB>MAILFROM" on stdin, writes one line per
 * input: the result word (pass, fail, softfail, neutral, none, temperror,
 * permerror) as SPF_strresult() names it.
 *
 * The DNS layer: an SPF_dns_server_t whose lookup() asks lib/dns
 * (dns_lookup(), so site.dns.servers and the test server apply) and
 * builds the SPF_dns_rr_t libspf2's own resolv layer would: herrno
 * NETDB_SUCCESS with records, NO_DATA, HOST_NOT_FOUND (NXDOMAIN) or
 * TRY_AGAIN (SERVFAIL, timeout).  libspf2 hands lookup() no request, so a
 * per-message time budget would have to travel in thread-local storage;
 * here one budget per evaluation sits in the hook.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spf2/spf.h>

#include "dns/dns.h"

typedef struct hook {
    dns *d;
    dns_budget budget;
} hook;

static SPF_dns_rr_t *lookup(SPF_dns_server_t *server, const char *domain, ns_type type,
                            int should_cache)
{
    hook *h = server->hook;
    dns_answer a;
    dns_status st;
    dns_type t;
    SPF_dns_rr_t *rr;

    (void)should_cache;
    switch ((int)type) {
    case ns_t_a:
        t = DNS_T_A;
        break;
    case ns_t_aaaa:
        t = DNS_T_AAAA;
        break;
    case ns_t_mx:
        t = DNS_T_MX;
        break;
    case ns_t_ptr:
        t = DNS_T_PTR;
        break;
    case ns_t_txt:
        t = DNS_T_TXT;
        break;
    default: /* type SPF (99) and anything else: no such data */
        return SPF_dns_rr_new_init(server, domain, type, 0, NO_DATA);
    }
    st = dns_lookup(h->d, domain, t, &h->budget, &a);
    if (st != DNS_FOUND) {
        dns_answer_free(&a);
        return SPF_dns_rr_new_init(server, domain, type, 0,
                                   st == DNS_TEMPFAIL   ? TRY_AGAIN
                                   : a.info.nxdomain    ? HOST_NOT_FOUND
                                   : st == DNS_PERMFAIL ? NO_RECOVERY
                                                        : NO_DATA);
    }
    rr = SPF_dns_rr_new_init(server, domain, type, 0, NETDB_SUCCESS);
    for (size_t i = 0; rr != NULL && i < a.count; i++) {
        size_t need = t == DNS_T_A ? 4 : t == DNS_T_AAAA ? 16 : a.rr[i].len + 1;

        if (SPF_dns_rr_buf_realloc(rr, rr->num_rr, need) != SPF_E_SUCCESS)
            break;
        if (t == DNS_T_A)
            memcpy(&rr->rr[rr->num_rr]->a, a.rr[i].addr.b + 12, 4);
        else if (t == DNS_T_AAAA)
            memcpy(&rr->rr[rr->num_rr]->aaaa, a.rr[i].addr.b, 16);
        else
            memcpy(rr->rr[rr->num_rr]->txt, a.rr[i].text, a.rr[i].len + 1);
        rr->num_rr++;
    }
    dns_answer_free(&a);
    return rr;
}

static void destroy(SPF_dns_server_t *server)
{
    free(server);
}

/*
 * libspf2 1.2.10 leaves the result unset (SPF_RESULT_INVALID) when the
 * record lookup fails or the record does not compile: upstream set it in
 * 2012 (commit fc02a07, first released in 1.2.11), Debian 12 carries no
 * backport (nor is the response's error code set).  An integrator has to
 * read the first error message's code instead; this is the kindest
 * reading, counted in libspf2's favour.
 */
static const char *from_error(SPF_response_t *resp)
{
    SPF_error_t *e = SPF_response_messages(resp) > 0 ? SPF_response_message(resp, 0) : NULL;

    switch (e != NULL ? SPF_error_code(e) : SPF_response_errcode(resp)) {
    case SPF_E_NOT_SPF:
        return "none";
    case SPF_E_DNS_ERROR:
        return "temperror";
    default:
        return "permerror";
    }
}

static const char *evaluate(SPF_server_t *server, const char *ip, const char *helo,
                            const char *from)
{
    SPF_request_t *req = SPF_request_new(server);
    SPF_response_t *resp = NULL;
    const char *word;

    if (SPF_request_set_ipv4_str(req, ip) != SPF_E_SUCCESS &&
        SPF_request_set_ipv6_str(req, ip) != SPF_E_SUCCESS) {
        SPF_request_free(req);
        return "bad-ip";
    }
    SPF_request_set_helo_dom(req, helo);
    if (SPF_request_set_env_from(req, from) != 0) {
        SPF_request_free(req);
        return "none"; /* libspf2 refuses the identity: nothing to check */
    }
    SPF_request_query_mailfrom(req, &resp);
    if (resp == NULL)
        word = "(null)";
    else if (SPF_response_result(resp) == SPF_RESULT_INVALID)
        word = from_error(resp);
    else
        word = SPF_strresult(SPF_response_result(resp));
    if (resp != NULL)
        SPF_response_free(resp);
    SPF_request_free(req);
    return word;
}

int main(int argc, char **argv)
{
    const char *server_addr = getenv("MK_DNS_SERVER"), *error = NULL;
    unsigned timeout = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 2000;
    dns_config cfg = {.servers = &server_addr, .nservers = 1, .timeout_ms = timeout};
    SPF_dns_server_t *layer = calloc(1, sizeof *layer);
    SPF_server_t *spf;
    hook h;
    char line[8192];

    if (server_addr == NULL || layer == NULL || dns_new(&cfg, &h.d, &error) < 0) {
        fprintf(stderr, "spf_libspf2: MK_DNS_SERVER unset or bad (%s)\n", error ? error : "");
        return 2;
    }
    layer->destroy = destroy;
    layer->lookup = lookup;
    layer->name = "milterkit-dns";
    layer->hook = &h;
    spf = SPF_server_new_dns(layer, 0);
    while (fgets(line, sizeof line, stdin) != NULL) {
        char *ip = strtok(line, "\t\n"), *helo = strtok(NULL, "\t\n"), *from = strtok(NULL, "\n");

        if (ip == NULL || helo == NULL) {
            puts("bad-input");
            continue;
        }
        h.budget = dns_budget_in(20000);
        puts(evaluate(spf, ip, helo, from != NULL ? from : ""));
        fflush(stdout);
    }
    SPF_server_free(spf);
    dns_free(&h.d);
    return 0;
}
