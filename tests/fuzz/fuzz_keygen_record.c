/*
 * fuzz_keygen_record.c - libFuzzer target for the DKIM key record parser
 * that milterkit-keygen and milterkit-check share (lib/dkim/dkimrec.c),
 * which reads TXT records from DNS.
 * Checks, beyond "no crash": a parsed record has a p= without whitespace,
 * and a record we format from the parsed p= parses back to the same p=;
 * the input judged against a fixed Ed25519 key gives a verdict and
 * printable lines only.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "dkim/dkimrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const dkimrec *rec)
{
    dkimrec_spec spec = { .k = "rsa", .p = rec->p, .testing = dkimrec_has_flag(rec, "y"),
                        .no_subdomains = dkimrec_has_flag(rec, "s") };
    str_t one;
    str_init(&one);
    dkimrec_format(&spec, &one);
    dkimrec back;
    const char *err;
    if (dkimrec_parse(one.buf, one.len, &back, &err) < 0)
        panic("formatted record does not parse: %s", err);
    if (strcmp(back.p, rec->p) != 0)
        panic("p= changed in a round trip");
    dkimrec_free(&back);
    str_free(&one);
}

/* A fixed Ed25519 key (a dknewkey-style base64 seed), made once. */
static const dkimkey_t *fixed_key(void)
{
    static dkimkey_t *key;
    static const char seed[] = "VGhpcyBpcyBhIGZpeGVkIGZ1enppbmcgc2VlZCEhISE=";
    if (key == NULL) {
        str_t why;
        str_init(&why);
        if (dkimkey_load_mem(seed, sizeof seed - 1, &key, &why) < 0)
            panic("fixed key: %s", why.buf);
        str_free(&why);
    }
    return key;
}

static void judge(const char *txt, size_t len)
{
    str_t msg;
    str_init(&msg);
    dkimrec_verdict v = dkimrec_judge(&txt, &len, 1, fixed_key(), &msg);
    if (v != DKIMREC_DIFFERENT && v != DKIMREC_MALFORMED && v != DKIMREC_MATCH)
        panic("verdict %d", (int)v);
    for (size_t i = 0; i < msg.len; i++)
        if ((msg.buf[i] < 0x20 && msg.buf[i] != '\n') || msg.buf[i] == 0x7f)
            panic("unprintable byte in a verdict line");
    str_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    judge((const char *)data, size);
    dkimrec rec;
    const char *err;
    if (dkimrec_parse((const char *)data, size, &rec, &err) < 0)
        return 0;
    if (strpbrk(rec.p, " \t\r\n") != NULL)
        panic("whitespace left in p=");
    roundtrip(&rec);
    dkimrec_free(&rec);
    return 0;
}
