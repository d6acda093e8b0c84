/*
 * fuzz_dkimnorm.c - libFuzzer target for lib/dkim/dkimnorm, the body
 * normalizer that runs on every body milterkit-dkim signs.  The first byte
 * seeds the chunk sizes; the rest is a body.  Invariants (abort when one
 * fails):
 *   - the body fed in random chunks gives the same bytes and the same count
 *     as the body fed whole;
 *   - the output has no CR or LF outside CRLF;
 *   - the count is the number of bare CRs plus bare LFs of the input, and
 *     the output is the input when it is 0;
 *   - normalizing the output again changes nothing.
 */
#include "config.h"

#include "fuzz.h"

#include <string.h>

#include "core/str.h"
#include "dkim/dkimnorm.h"

static uint64_t run(const uint8_t *p, size_t n, unsigned seed, str_t *out)
{
    dkimnorm_t nm;
    size_t off = 0;

    dkimnorm_init(&nm);
    while (off < n) {
        size_t k = n - off;

        if (seed != 0) {
            seed = seed * 1103515245u + 12345u;
            k = (seed >> 16) % 5;
            if (k > n - off)
                k = n - off;
        }
        dkimnorm_update(&nm, p + off, k, out);
        off += k;
    }
    dkimnorm_final(&nm, out);
    return dkimnorm_changes(&nm);
}

static uint64_t bare(const uint8_t *p, size_t n)
{
    uint64_t count = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
            count++;
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            count++;
    }
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    str_t whole, chunks, again;
    uint64_t n1, n2;

    if (size < 1)
        return 0;
    str_init(&whole);
    str_init(&chunks);
    str_init(&again);
    n1 = run(data + 1, size - 1, 0, &whole);
    n2 = run(data + 1, size - 1, data[0] | 1u, &chunks);
    CHECK(n1 == n2 && whole.len == chunks.len && memcmp(whole.buf, chunks.buf, whole.len) == 0);
    CHECK(bare((const uint8_t *)whole.buf, whole.len) == 0);
    CHECK(n1 == bare(data + 1, size - 1));
    CHECK(n1 != 0 || (whole.len == size - 1 && memcmp(whole.buf, data + 1, size - 1) == 0));
    CHECK(run((const uint8_t *)whole.buf, whole.len, 0, &again) == 0);
    CHECK(again.len == whole.len && memcmp(again.buf, whole.buf, whole.len) == 0);
    str_free(&whole);
    str_free(&chunks);
    str_free(&again);
    return 0;
}
