/*
 * fuzz_dkimtags.c - libFuzzer target for milters/dkim/dkim_tags, which
 * reads tag-lists from DKIM-Signature fields and key records (both from
 * the network).  The input is the tag-list, copied to a buffer of exactly
 * its size (ASan sees any read past it).  Invariants (abort when one
 * fails):
 *   - a duplicate name reported is non-empty, and a tag-list made of two
 *     copies of the input (joined by ';') has a duplicate whenever the
 *     input has a tag;
 *   - every value read has no white space, and reading "b" finds the
 *     value that a tag-list "b=VALUE" written back gives again;
 *   - dkim_tags_query_ok() is true on the input followed by ":dns/txt";
 *   - dkim-quoted-printable: encoding every byte as =XX and decoding
 *     gives the input back; decoding the input never yields more bytes
 *     than it has.
 */
#include "config.h"

#include "fuzz.h"

#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "dkim_tags.h"

static void check_values(const char *list, size_t len)
{
    str_t v, again;

    str_init(&v);
    str_init(&again);
    if (dkim_tags_value(list, len, "b", &v)) {
        CHECK(strpbrk(v.buf, " \t\r\n") == NULL);
        if (memchr(v.buf, ';', v.len) == NULL && memchr(v.buf, '\0', v.len) == NULL) {
            str_t l;

            str_init(&l);
            str_printf(&l, "b=%s", v.buf);
            CHECK(dkim_tags_value(l.buf, l.len, "b", &again));
            CHECK(again.len == v.len && memcmp(again.buf, v.buf, v.len) == 0);
            str_free(&l);
        }
    }
    str_free(&v);
    str_free(&again);
}

/* strspn() for (ptr, len): the list has no NUL after it. */
static size_t span(const char *p, size_t len, const char *set)
{
    size_t n = 0;

    while (n < len && p[n] != '\0' && strchr(set, p[n]) != NULL)
        n++;
    return n;
}

static void check_duplicates(const char *list, size_t len)
{
    str_t name, twice;

    str_init(&name);
    str_init(&twice);
    if (dkim_tags_duplicate(list, len, &name))
        CHECK(name.len > 0);
    str_append(&twice, list, len);
    str_append_char(&twice, ';');
    str_append(&twice, list, len);
    str_clear(&name);
    if (memchr(list, '=', len) != NULL && span(list, len, " \t\r\n;=") < len &&
        memchr(list, '\0', len) == NULL) {
        const char *eq = memchr(list, '=', len);
        const char *semi = memchr(list, ';', len);
        size_t first = semi ? (size_t)(semi - list) : len;

        /* the first spec has a name of at most the limit: it repeats */
        if ((size_t)(eq - list) < first && span(list, len, " \t\r\n") < (size_t)(eq - list) &&
            (size_t)(eq - list) <= DKIM_TAGS_NAME_MAX)
            CHECK(dkim_tags_duplicate(twice.buf, twice.len, &name));
    }
    str_free(&name);
    str_free(&twice);
}

static void check_qp(const char *p, size_t len)
{
    str_t enc, dec;

    str_init(&enc);
    str_init(&dec);
    for (size_t i = 0; i < len; i++)
        str_printf(&enc, "=%02X", (unsigned char)p[i]);
    CHECK(dkim_tags_qp_decode(enc.buf, enc.len, &dec) == 0);
    CHECK(dec.len == len && memcmp(dec.buf, p, len) == 0);
    str_clear(&dec);
    (void)dkim_tags_qp_decode(p, len, &dec);
    CHECK(dec.len <= len);
    str_free(&enc);
    str_free(&dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *list = mem_alloc(size ? size : 1);
    str_t q;

    memcpy(list, data, size);
    check_duplicates(list, size);
    check_values(list, size);
    check_qp(list, size);
    str_init(&q);
    str_append(&q, list, size);
    str_append_cstr(&q, ":dns/txt");
    if (memchr(list, '\0', size) == NULL)
        CHECK(dkim_tags_query_ok(q.buf));
    str_free(&q);
    mem_free(&list);
    return 0;
}
