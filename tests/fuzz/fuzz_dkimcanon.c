/*
 * fuzz_dkimcanon.c - libFuzzer target for lib/dkimcanon.  The first byte
 * picks the canonicalization and seeds the chunk sizes; the rest is a
 * body.  The body fed in those random chunks must hash exactly as the
 * body fed whole (asserted), and header canonicalization of the same
 * bytes as a value must not crash nor produce a CR or LF in relaxed form
 * except the final CRLF.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkimcanon.h"
#include "core/mem.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void hash_whole(dkimcanon_t c, const uint8_t *p, size_t n, unsigned char out[32])
{
    dkimcanon_body_t *b = NULL;
    const char *error = NULL;

    if (dkimcanon_body_new(c, &b, &error) < 0)
        abort();
    dkimcanon_body_update(b, p, n);
    if (dkimcanon_body_final(b, out, &error) < 0)
        abort();
    dkimcanon_body_free(&b);
}

static void hash_chunks(dkimcanon_t c, unsigned seed, const uint8_t *p, size_t n,
                        unsigned char out[32])
{
    dkimcanon_body_t *b = NULL;
    const char *error = NULL;
    size_t off = 0;

    if (dkimcanon_body_new(c, &b, &error) < 0)
        abort();
    while (off < n) {
        size_t k;

        seed = seed * 1103515245u + 12345u;
        k = (seed >> 16) % 9; /* 0..8 bytes, 0 included */
        if (k > n - off)
            k = n - off;
        dkimcanon_body_update(b, p + off, k);
        off += k;
    }
    if (dkimcanon_body_final(b, out, &error) < 0)
        abort();
    dkimcanon_body_free(&b);
}

static void check_header(const uint8_t *p, size_t n)
{
    str_t out;

    str_init(&out);
    dkimcanon_header(DKIMCANON_RELAXED, "X-Fuzz", (const char *)p, n, false, &out);
    for (size_t i = 0; i + 2 < out.len; i++)
        if (out.buf[i] == '\n' || (out.buf[i] == '\r' && out.buf[i + 1] == '\n'))
            abort();
    str_clear(&out);
    dkimcanon_header(DKIMCANON_SIMPLE, "X-Fuzz", (const char *)p, n, false, &out);
    for (size_t i = 0; i < out.len; i++)
        if (out.buf[i] == '\n' && (i == 0 || out.buf[i - 1] != '\r'))
            abort(); /* every LF is part of a CRLF */
    str_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char whole[32], split[32];
    dkimcanon_t c;

    if (size < 1)
        return 0;
    c = (data[0] & 1) ? DKIMCANON_RELAXED : DKIMCANON_SIMPLE;
    hash_whole(c, data + 1, size - 1, whole);
    hash_chunks(c, data[0], data + 1, size - 1, split);
    if (memcmp(whole, split, sizeof(whole)) != 0)
        abort();
    check_header(data + 1, size - 1);
    return 0;
}
