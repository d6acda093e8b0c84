/* fuzz.h - what the libFuzzer targets here share: the entry point's
 * prototype, and CHECK(), which aborts (libFuzzer reports a finding) when
 * an invariant does not hold. */
#ifndef MK_FUZZ_H
#define MK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#endif
