/*
 * fuzz_mapfile.c - libFuzzer target over lib/mapfile (makemap text maps).
 * The first byte picks the flags (MAPFILE_KEEP_CASE, MAPFILE_ALLOW_EMPTY);
 * the rest is the map text.  Invariants checked (abort on violation):
 *   - on success every key is non-empty, has no blank and no newline and
 *     does not start with '#'; key and value fit in MAPFILE_MAX_LINE; a
 *     value has no surrounding blanks and is empty only with ALLOW_EMPTY;
 *     keys have no upper case unless KEEP_CASE;
 *   - each entry's line of the input starts (after blanks) with its key,
 *     case ignored when folding, and ends (blanks removed) with its value;
 *     lines are increasing;
 *   - mapfile_lookup / _lookup_n of each key (and of its upper-case form
 *     when folding) return that entry; a lookup of the first line returns
 *     NULL or an entry with an equal key;
 *   - the entries written back as "key value" lines parse to the same map;
 *   - on failure *out is NULL and the reason starts with "fuzz:".
 */
#include "config.h"

#include "fuzz.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mapfile.h"
#include "core/mem.h"
#include "core/str.h"

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Line n (1-based) of text, without its newline. */
static const char *line_of(const char *text, size_t len, unsigned n, size_t *llen)
{
    const char *p = text, *end = text + len, *nl;

    for (; n > 1; n--) {
        nl = memchr(p, '\n', (size_t)(end - p));
        CHECK(nl != NULL);
        p = nl + 1;
    }
    nl = memchr(p, '\n', (size_t)(end - p));
    *llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
    return p;
}

static void check_entry(const mapfile *m, const mapfile_entry *e, unsigned flags, const char *text,
                        size_t len)
{
    size_t kl = strlen(e->key), vl = strlen(e->value), ll;
    const char *l = line_of(text, len, e->line, &ll);
    bool fold = !(flags & MAPFILE_KEEP_CASE);

    CHECK(kl > 0 && e->key[0] != '#' && kl + (vl > 0) + vl <= MAPFILE_MAX_LINE);
    CHECK(vl > 0 || (flags & MAPFILE_ALLOW_EMPTY));
    CHECK(vl == 0 || (!blank(e->value[0]) && !blank(e->value[vl - 1])));
    CHECK(strchr(e->value, '\n') == NULL);
    for (const char *c = e->key; *c; c++)
        CHECK(!blank(*c) && *c != '\n' && !(fold && isupper((unsigned char)*c)));
    while (ll > 0 && blank(l[ll - 1]))
        ll--;
    while (ll > 0 && blank(*l))
        l++, ll--;
    CHECK(ll >= kl + vl && (fold ? strncasecmp(l, e->key, kl) : memcmp(l, e->key, kl)) == 0);
    CHECK(memcmp(l + ll - vl, e->value, vl) == 0);
    CHECK(mapfile_lookup(m, e->key) == e && mapfile_lookup_n(m, e->key, kl) == e);
    if (fold) {
        char *up = mem_strdup(e->key);

        for (char *c = up; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        CHECK(mapfile_lookup(m, up) == e);
        mem_free(&up);
    }
}

static void check_map(const mapfile *m, unsigned flags, const char *text, size_t len)
{
    const char *nl = memchr(text, '\n', len);
    size_t n = mapfile_count(m), first = nl ? (size_t)(nl - text) : len;
    const mapfile_entry *e = mapfile_lookup_n(m, text, first);
    mapfile *again = NULL;
    str_t out, why;

    CHECK(strcmp(mapfile_name(m), "fuzz") == 0);
    if (e != NULL)
        CHECK(strlen(e->key) == first && strncasecmp(e->key, text, first) == 0);
    str_init(&out);
    str_init(&why);
    for (size_t i = 0; i < n; i++) {
        e = mapfile_at(m, i);
        CHECK(i == 0 || e->line > mapfile_at(m, i - 1)->line);
        check_entry(m, e, flags, text, len);
        str_printf(&out, "%s%s%s\n", e->key, e->value[0] ? " " : "", e->value);
    }
    CHECK(mapfile_parse("fuzz", out.buf, out.len, flags, &again, &why) == 0);
    CHECK(mapfile_count(again) == n);
    for (size_t i = 0; i < n; i++) {
        const mapfile_entry *a = mapfile_at(m, i), *b = mapfile_at(again, i);

        CHECK(strcmp(a->key, b->key) == 0 && strcmp(a->value, b->value) == 0 && b->line == i + 1);
    }
    mapfile_free(&again);
    str_free(&out);
    str_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned flags;
    const char *text;
    mapfile *m = (mapfile *)(void *)&flags; /* not NULL: mapfile_parse must set it */
    str_t why;

    if (size < 1)
        return 0;
    flags = data[0] & (MAPFILE_KEEP_CASE | MAPFILE_ALLOW_EMPTY);
    text = (const char *)data + 1;
    str_init(&why);
    if (mapfile_parse("fuzz", text, size - 1, flags, &m, &why) == 0) {
        CHECK(m != NULL && why.len == 0);
        check_map(m, flags, text, size - 1);
        mapfile_free(&m);
    } else {
        CHECK(m == NULL && why.len > 0 && strncmp(why.buf, "fuzz:", 5) == 0);
    }
    str_free(&why);
    return 0;
}
