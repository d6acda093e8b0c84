/*
 * fuzz_check_dnsrec.c - libFuzzer target for what milterkit-check reads
 * from DNS besides DKIM keys (tools/check/ck_spf.c: SPF records evaluated,
 * with include: and redirect=; ck_dmarc.c: DMARC records).  A stub
 * resolver answers every TXT question with the records of the input (one
 * per line, at most DNS_MAX_TXT_RECORDS) and every A question with
 * 192.0.2.1, so that includes and redirects recurse into the same text.
 * Checks, beyond "no crash": the evaluation ends (the lookup limit holds)
 * with a result of the enumeration, and a DMARC record that reads well has
 * a policy.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "../../tools/check/ck_dmarc.h"
#include "../../tools/check/ck_spf.h"
#include "core/mem.h"
#include "fuzz.h"

typedef struct input {
    const char *data;
    size_t size;
    unsigned queries;
} input;

static dns_status txt(void *ctx, const char *name, dns_txts *out)
{
    input *in = ctx;
    size_t off = 0;

    (void)name;
    in->queries++;
    memset(out, 0, sizeof *out);
    while (off < in->size && out->count < DNS_MAX_TXT_RECORDS) {
        const char *nl = memchr(in->data + off, '\n', in->size - off);
        size_t n = nl != NULL ? (size_t)(nl - (in->data + off)) : in->size - off;

        out->rec[out->count] = mem_strndup(in->data + off, n);
        out->len[out->count] = strlen(out->rec[out->count]);
        out->count++;
        off += n + 1;
    }
    return out->count > 0 ? DNS_FOUND : DNS_NOTFOUND;
}

static dns_status addrs(void *ctx, const char *name, int family, dns_addrs *out)
{
    (void)ctx, (void)name;
    memset(out, 0, sizeof *out);
    if (family != AF_INET)
        return DNS_NOTFOUND;
    CHECK(cidr_addr_parse("192.0.2.1", &out->addr[0]) == 0);
    out->count = 1;
    return DNS_FOUND;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {.data = (const char *)data, .size = size};
    dns_resolver r = {.ctx = &in, .addrs = addrs, .txt = txt};
    ck_spf_engine spf = ck_spf_simple(&r);
    cidr_addr ip;
    str_t why;
    ck_spf_result res;
    ck_dmarc d;
    const char *err;

    CHECK(cidr_addr_parse("192.0.2.1", &ip) == 0);
    str_init(&why);
    res = spf.check(spf.ctx, "example.net", &ip, &why);
    CHECK(res >= CK_SPF_PASS && res <= CK_SPF_UNKNOWN);
    CHECK(in.queries <= 12); /* the record, then at most 10 lookups (+1 refused) */
    str_free(&why);
    ck_dmarc_init(&d);
    if (ck_dmarc_parse((const char *)data, size, &d, &err) == 0)
        CHECK(d.p.len > 0);
    ck_dmarc_free(&d);
    return 0;
}
