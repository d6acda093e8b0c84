/*
 * dmarc_opendmarc.c - Debian's libopendmarc 1.4.2 (RFC 7489, organizational
 * domain from a public suffix list) as a test oracle for lib/auth's DMARC:
 * tests/unit/dmarc-dns.py runs it over its cases beside auth_eval and
 * checks that both agree wherever RFC 7489 and RFC 9989 do, and differ
 * exactly on the cases it lists.  Never linked into milterkit.
 *
 * usage: MK_DNS_SERVER=127.0.0.1@PORT dmarc_opendmarc PSL-FILE
 * Reads the case format of auth_eval's dmarc mode (F, S, D, E lines; only
 * the first From field is given to libopendmarc, which takes one) and
 * prints per case "result=R policy=P" in auth_eval's words.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendmarc/dmarc.h>

static char from[8192], spf_word[32], spf_domain[512];
static char dkim_domain[64][512];
static int dkim_pass[64], ndkim, have_from;

static void reset(void)
{
    have_from = ndkim = 0;
    spf_word[0] = spf_domain[0] = '\0';
}

static void answer(void)
{
    DMARC_POLICY_T *p = opendmarc_policy_connect_init((u_char *)"192.0.2.1", 4);
    OPENDMARC_STATUS_T st;
    const char *result = "none", *policy = "none";

    if (!have_from || opendmarc_policy_store_from_domain(p, (u_char *)from) != DMARC_PARSE_OKAY) {
        puts("result=permerror policy=none");
        opendmarc_policy_connect_shutdown(p);
        return;
    }
    if (spf_word[0] != '\0')
        opendmarc_policy_store_spf(p, (u_char *)spf_domain,
                                   strcmp(spf_word, "pass") == 0 ? DMARC_POLICY_SPF_OUTCOME_PASS
                                   : strcmp(spf_word, "temperror") == 0
                                       ? DMARC_POLICY_SPF_OUTCOME_TMPFAIL
                                   : strcmp(spf_word, "none") == 0 ? DMARC_POLICY_SPF_OUTCOME_NONE
                                                                   : DMARC_POLICY_SPF_OUTCOME_FAIL,
                                   DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL);
    for (int i = 0; i < ndkim; i++)
        opendmarc_policy_store_dkim(
            p, (u_char *)dkim_domain[i], (u_char *)"s",
            dkim_pass[i] ? DMARC_POLICY_DKIM_OUTCOME_PASS : DMARC_POLICY_DKIM_OUTCOME_FAIL, NULL);
    st = opendmarc_policy_query_dmarc(p, NULL);
    if (st == DMARC_DNS_ERROR_TMPERR) {
        puts("result=temperror policy=none");
        opendmarc_policy_connect_shutdown(p);
        return;
    }
    switch (opendmarc_get_policy_to_enforce(p)) {
    case DMARC_POLICY_PASS:
        result = "pass";
        break;
    case DMARC_POLICY_REJECT:
        result = "fail";
        policy = "reject";
        break;
    case DMARC_POLICY_QUARANTINE:
        result = "fail";
        policy = "quarantine";
        break;
    case DMARC_POLICY_NONE:
        result = "fail";
        break;
    case DMARC_DNS_ERROR_TMPERR:
        result = "temperror";
        break;
    case DMARC_FROM_DOMAIN_ABSENT:
        result = "permerror";
        break;
    default: /* DMARC_POLICY_ABSENT and the rest: no policy */
        break;
    }
    printf("result=%s policy=%s\n", result, policy);
    opendmarc_policy_connect_shutdown(p);
}

/* "\n" in a From value stands for a line break, as in auth_eval. */
static void unescape_into(char *out, size_t size, const char *s)
{
    size_t o = 0;

    for (; *s && o + 1 < size; s++) {
        if (s[0] == '\\' && s[1] == 'n') {
            out[o++] = '\n';
            s++;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

int main(int argc, char **argv)
{
    const char *server = getenv("MK_DNS_SERVER");
    OPENDMARC_LIB_T lib;
    char line[8192], host[64];
    unsigned port = 53;

    if (argc < 2 || server == NULL || sscanf(server, "%63[^@]@%u", host, &port) < 1) {
        fprintf(stderr, "usage: MK_DNS_SERVER=ADDR@PORT dmarc_opendmarc PSL-FILE\n");
        return 2;
    }
    memset(&lib, 0, sizeof lib);
    lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
    snprintf((char *)lib.tld_source_file, sizeof lib.tld_source_file, "%s", argv[1]);
    lib.nscount = 1;
    lib.nsaddr_list[0].sin_family = AF_INET;
    lib.nsaddr_list[0].sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &lib.nsaddr_list[0].sin_addr) != 1 ||
        opendmarc_policy_library_init(&lib) != DMARC_PARSE_OKAY) {
        fprintf(stderr, "dmarc_opendmarc: cannot initialise libopendmarc\n");
        return 2;
    }
    reset();
    while (fgets(line, sizeof line, stdin) != NULL) {
        char *kind = strtok(line, "\t\n"), *a = strtok(NULL, "\t\n"), *b = strtok(NULL, "\t\n");

        if (kind == NULL)
            continue;
        if (strcmp(kind, "E") == 0) {
            answer();
            fflush(stdout);
            reset();
        } else if (strcmp(kind, "F") == 0 && !have_from) {
            unescape_into(from, sizeof from, a ? a : "");
            have_from = 1;
        } else if (strcmp(kind, "S") == 0 && a != NULL) {
            snprintf(spf_word, sizeof spf_word, "%s", a);
            snprintf(spf_domain, sizeof spf_domain, "%s", b ? b : "");
        } else if (strcmp(kind, "D") == 0 && a != NULL && ndkim < 64) {
            snprintf(dkim_domain[ndkim], sizeof dkim_domain[0], "%s", a);
            dkim_pass[ndkim++] = b != NULL && strcmp(b, "pass") == 0;
        }
    }
    opendmarc_policy_library_shutdown(&lib);
    return 0;
}
