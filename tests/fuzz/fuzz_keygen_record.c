/*
 * fuzz_keygen_record.c - libFuzzer target for milterkit-keygen's DKIM key
 * record parser (tools/keygen/kgrec.c), which reads TXT records from DNS.
 * Checks, beyond "no crash": a parsed record has a p= without whitespace,
 * and a record we format from the parsed p= parses back to the same p=.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../tools/keygen/kgrec.h"
#include "core/mem.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const kgrec *rec)
{
    kgrec_spec spec = { .k = "rsa", .p = rec->p, .testing = kgrec_has_flag(rec, "y"),
                        .no_subdomains = kgrec_has_flag(rec, "s") };
    str_t one;
    str_init(&one);
    kgrec_format(&spec, &one);
    kgrec back;
    const char *err;
    if (kgrec_parse(one.buf, one.len, &back, &err) < 0)
        panic("formatted record does not parse: %s", err);
    if (strcmp(back.p, rec->p) != 0)
        panic("p= changed in a round trip");
    kgrec_free(&back);
    str_free(&one);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kgrec rec;
    const char *err;
    if (kgrec_parse((const char *)data, size, &rec, &err) < 0)
        return 0;
    if (strpbrk(rec.p, " \t\r\n") != NULL)
        panic("whitespace left in p=");
    roundtrip(&rec);
    kgrec_free(&rec);
    return 0;
}
