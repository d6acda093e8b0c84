/*
 * fuzz_dkimkey.c - libFuzzer target for the key parser of lib/dkimkey
 * (PEM or base64 seed) and its base64 decoder: no crash, no leak, and a
 * decoded base64 re-encodes to a string that decodes to the same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkimkey.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dkimkey_t *key = NULL;
    str_t why, raw, b64, again;

    str_init(&why);
    if (dkimkey_load_mem(data, size, &key, &why) == 0) {
        const char *error = NULL;
        str_t pub;

        str_init(&pub);
        if (dkimkey_public_dns(key, &pub, &error) < 0)
            abort();
        str_free(&pub);
        dkimkey_free(&key);
    } else if (key != NULL || why.len == 0) {
        abort();
    }
    str_free(&why);
    str_init(&raw);
    str_init(&b64);
    str_init(&again);
    if (dkimkey_b64_decode((const char *)data, size, &raw) == 0) {
        dkimkey_b64_encode((const unsigned char *)raw.buf, raw.len, &b64);
        if (dkimkey_b64_decode(b64.buf, b64.len, &again) < 0 || again.len != raw.len ||
            memcmp(again.buf, raw.buf, raw.len) != 0)
            abort();
    }
    str_free(&raw);
    str_free(&b64);
    str_free(&again);
    return 0;
}
