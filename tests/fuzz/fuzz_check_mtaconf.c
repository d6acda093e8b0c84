/*
 * fuzz_check_mtaconf.c - libFuzzer target for milterkit-check's readers of
 * MTA configuration (tools/check/ck_smcf.c: sendmail.cf; ck_pfconf.c:
 * postconf output and Postfix milter lists; ck_sock.c: the socket
 * addresses found in them).  The input is fed to each reader.
 * Checks, beyond "no crash": what they keep stays within their bounds,
 * names and values hold no NUL or newline, and every socket address that
 * parses compares equal to itself.
 */
#include "config.h"

#include <string.h>

#include "../../tools/check/ck_pfconf.h"
#include "../../tools/check/ck_smcf.h"
#include "../../tools/check/ck_sock.h"
#include "core/mem.h"
#include "fuzz.h"

static void sock_milter(const char *spec)
{
    ck_sock s;
    const char *err;

    if (ck_sock_parse_milter(spec, &s, &err) == 0) {
        CHECK(ck_sock_same(&s, &s));
        ck_sock_free(&s);
    }
}

static void sock_postfix(const char *spec)
{
    ck_sock s;
    const char *err;

    if (ck_sock_parse_postfix(spec, "/var/spool/postfix", true, &s, &err) == 0) {
        str_t form;

        CHECK(ck_sock_same(&s, &s));
        str_init(&form);
        ck_sock_postfix_form(&s, "/var/spool/postfix", &form);
        str_free(&form);
        ck_sock_free(&s);
    }
}

static void sendmail_cf(const uint8_t *data, size_t size)
{
    ck_smcf cf;
    const char *err;

    if (ck_smcf_parse((const char *)data, size, &cf, &err) < 0)
        return;
    CHECK(cf.nfilters <= CK_SMCF_MAX_ITEMS && cf.ninput <= CK_SMCF_MAX_ITEMS);
    for (size_t i = 0; i < cf.nfilters; i++) {
        CHECK(strchr(cf.filters[i].name, '\n') == NULL);
        if (cf.filters[i].socket != NULL)
            sock_milter(cf.filters[i].socket);
    }
    for (size_t i = 0; i < cf.ndaemons; i++) {
        str_t v;

        str_init(&v);
        (void)ck_smcf_daemon_opt(cf.daemons[i], "Port", &v);
        str_free(&v);
    }
    ck_smcf_free(&cf);
}

static void postconf_output(const uint8_t *data, size_t size)
{
    ck_kvlist l;
    const char *err;

    if (ck_pf_parse_params((const char *)data, size, &l, &err) < 0)
        return;
    CHECK(l.count <= CK_PF_MAX_LINES);
    for (size_t i = 0; i < l.count; i++) {
        ck_pf_milters m;

        CHECK(strchr(l.items[i].name, '\n') == NULL);
        CHECK(strchr(l.items[i].value, '\n') == NULL);
        if (ck_pf_parse_milters(l.items[i].value, &m, &err) < 0)
            continue;
        CHECK(m.count <= CK_PF_MAX_MILTERS);
        for (size_t j = 0; j < m.count; j++)
            sock_postfix(m.items[j].socket);
        ck_pf_milters_free(&m);
    }
    ck_kvlist_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = mem_strndup((const char *)data, size);

    sendmail_cf(data, size);
    postconf_output(data, size);
    sock_milter(text);
    sock_postfix(text);
    mem_free(&text);
    return 0;
}
