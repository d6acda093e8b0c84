/*
 * fuzz_dname.c - libFuzzer target over lib/core/dname (names from the
 * config, map files and keygen's arguments) and cfghint's edit distance.
 * Invariants checked (abort on violation):
 *   - a name valid under any rule set has labels of 1 to 63 characters of
 *     letters, digits, '-' (and '_' only with DNAME_UNDERSCORE), none
 *     starting or ending with '-', at most 253 characters (a trailing dot
 *     only with DNAME_TRAILING_DOT); a refused one gives a reason;
 *   - the rule sets nest: DNAME_SIGNING implies DNAME_HOST implies
 *     DNAME_MATCH; a valid host name is a valid selector; the case of the
 *     letters never changes a verdict;
 *   - the distance is 0 between a name and its upper-case form, symmetric,
 *     and at most the longer length.
 * The input is split at the first NUL into a name and a second word.
 */
#include "config.h"

#include "fuzz.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "core/cfghint.h"
#include "core/dname.h"
#include "core/mem.h"

static bool label_char(char c, bool underscore)
{
    return isalnum((unsigned char)c) || c == '-' || (underscore && c == '_');
}

/* The reference shape of a valid name under flags. */
static void check_shape(const char *s, unsigned flags)
{
    size_t n = strlen(s), start = 0;

    CHECK(n > 0);
    if (s[n - 1] == '.') {
        CHECK(flags & DNAME_TRAILING_DOT);
        n--;
    }
    CHECK(n > 0 && n <= 253);
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            CHECK(label_char(s[i], flags & DNAME_UNDERSCORE));
            continue;
        }
        CHECK(i > start && i - start <= 63 && s[start] != '-' && s[i - 1] != '-');
        start = i + 1;
    }
}

static bool valid(const char *s, unsigned flags)
{
    const char *why = NULL;
    bool ok = dname_check(s, flags, &why) == 0;

    CHECK(ok || (why != NULL && *why != '\0'));
    if (ok)
        check_shape(s, flags);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t alen = strnlen((const char *)data, size);
    char *a = mem_strndup((const char *)data, alen);
    char *bz = alen < size ? mem_strndup((const char *)data + alen + 1, size - alen - 1)
                           : mem_strdup("");
    char *up = mem_strdup(a);
    bool host, match, signing;

    for (char *p = up; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    host = valid(a, DNAME_HOST);
    match = valid(a, DNAME_MATCH);
    signing = valid(a, DNAME_SIGNING);
    CHECK(!signing || host);
    CHECK(!host || match);
    CHECK(!host || valid(a, DNAME_SELECTOR));
    CHECK(host == dname_valid(up, DNAME_HOST) && match == dname_valid(up, DNAME_MATCH));
    if (strlen(a) <= 64 && strlen(bz) <= 64) {
        size_t d = cfghint_distance(a, bz);
        size_t longer = strlen(a) > strlen(bz) ? strlen(a) : strlen(bz);

        CHECK(cfghint_distance(a, up) == 0);
        CHECK(d == cfghint_distance(bz, a) && d <= longer);
    }
    mem_free(&a);
    mem_free(&bz);
    mem_free(&up);
    return 0;
}
