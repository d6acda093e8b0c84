/*
 * fuzz_addr.c - libFuzzer target over lib/addr and lib/masquerade.
 *
 * The first byte picks a rule set; the rest is a header value (and, as is,
 * an envelope address).  Invariants checked (abort on violation):
 *   - every span the parser reports lies inside the input, spans of one
 *     entry nest (local and domain inside addr-spec), entries are in order;
 *   - a failed parse leaves no entries;
 *   - a header rewrite that succeeds parses again to as many addresses,
 *     and the bytes between addr-specs are exactly the input's; without
 *     genericstable, the local parts are unchanged too;
 *   - a failed rewrite returns the input unchanged;
 *   - rewriting the output again changes nothing (idempotence), for header
 *     values and envelope addresses.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/addr.h"
#include "mail/masquerade.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* clang-format off */
#define NAMES(a) {(a), sizeof(a) / sizeof((a)[0])}
/* clang-format on */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static char *const home[] = {"home.test"};
static char *const root[] = {"root", "Admin"};
static char *const local_hosts[] = {"mail.test", "[192.0.2.1]"};
static char *const dmz[] = {"dmz.home.test"};
static char *const gdoms[] = {"x.test", "g.test"};

/* A genericstable whose values are fixed points (y.test is in no class). */
static masquerade_lookup gen(void *ctx, const char *key, str_t *value, const char **error_r)
{
    (void)ctx;
    if (strcmp(key, "a@x.test") == 0)
        str_append_cstr(value, "b@y.test");
    else if (strcmp(key, "@g.test") == 0)
        str_append_cstr(value, "%1@y.test");
    else if (strcmp(key, "c") == 0)
        str_append_cstr(value, "d");
    else if (strcmp(key, "j+*") == 0)
        str_append_cstr(value, "j-%1@y.test");
    else if (strcmp(key, "t@x.test") == 0) {
        *error_r = "down";
        return MASQUERADE_TEMPFAIL;
    } else
        return MASQUERADE_NOTFOUND;
    return MASQUERADE_FOUND;
}

static const masquerade_rules rule_sets[] = {
    {.as = "example.net",
     .domains = NAMES(home),
     .entire_domain = true,
     .exposed_users = NAMES(root),
     .local_hosts = NAMES(local_hosts)},
    {.as = "example.net",
     .domains = NAMES(home),
     .local_hosts = NAMES(local_hosts),
     .exceptions = NAMES(dmz),
     .always_add_domain = true,
     .exposed_users = NAMES(root)},
    {.always_add_domain = true, .hostname = "mail.test", .domains = NAMES(home)},
    {.as = "example.net",
     .domains = NAMES(home),
     .entire_domain = true,
     .limited = true,
     .local_hosts = NAMES(local_hosts),
     .exceptions = NAMES(dmz),
     .always_add_domain = true,
     .generics = gen,
     .generics_domains = NAMES(gdoms),
     .generics_entire_domain = true},
};
#define NRULES (sizeof rule_sets / sizeof rule_sets[0])

static void check_spans(const addr_list *l, size_t len)
{
    size_t prev_end = 0;

    for (size_t i = 0; i < l->n; i++) {
        const addr_entry *e = &l->v[i];
        size_t end = e->addr_spec.off + e->addr_spec.len;

        CHECK(end <= len && e->addr_spec.off >= prev_end);
        CHECK(e->local.off == e->addr_spec.off);
        CHECK(e->local.off + e->local.len <= end);
        if (e->has_domain)
            CHECK(e->domain.off > e->local.off + e->local.len &&
                  e->domain.off + e->domain.len == end);
        CHECK(e->display.off + e->display.len <= e->addr_spec.off || e->display.len == 0);
        CHECK(e->group.off + e->group.len <= len && e->route.off + e->route.len <= len);
        CHECK(e->is_null || e->local.len > 0);
        prev_end = end;
    }
}

/* The bytes outside the addr-specs of a and b (parsed from x and y) agree. */
static void check_gaps(const char *x, size_t xlen, const addr_list *a, const char *y, size_t ylen,
                       const addr_list *b, bool locals_too)
{
    size_t px = 0, py = 0;

    CHECK(a->n == b->n);
    for (size_t i = 0; i < a->n; i++) {
        const addr_span *sx = &a->v[i].addr_spec, *sy = &b->v[i].addr_spec;

        CHECK(sx->off - px == sy->off - py && memcmp(x + px, y + py, sx->off - px) == 0);
        if (locals_too)
            CHECK(a->v[i].local.len == b->v[i].local.len &&
                  memcmp(x + a->v[i].local.off, y + b->v[i].local.off, a->v[i].local.len) == 0);
        px = sx->off + sx->len;
        py = sy->off + sy->len;
    }
    CHECK(xlen - px == ylen - py && memcmp(x + px, y + py, xlen - px) == 0);
}

static void fuzz_header(const masquerade_rules *r, const char *v, size_t len, const addr_list *in)
{
    str_t out, again;
    addr_list l2;
    const char *err;
    bool changed;
    int rc;

    str_init(&out);
    str_init(&again);
    addr_list_init(&l2);
    rc = masquerade_header(r, v, len, &out, &changed, &err);
    if (rc != MASQUERADE_OK) {
        CHECK(out.len == len && memcmp(out.buf, v, len) == 0 && !changed);
        goto done;
    }
    CHECK(changed == (out.len != len || memcmp(out.buf, v, len) != 0));
    CHECK(addr_parse_list(out.buf, out.len, &l2, &err) == 0);
    check_spans(&l2, out.len);
    check_gaps(v, len, in, out.buf, out.len, &l2, r->generics == NULL);
    CHECK(masquerade_header(r, out.buf, out.len, &again, &changed, &err) == MASQUERADE_OK);
    CHECK(!changed && again.len == out.len && memcmp(again.buf, out.buf, out.len) == 0);
done:
    addr_list_free(&l2);
    str_free(&out);
    str_free(&again);
}

static void fuzz_envelope(const masquerade_rules *r, const char *v, size_t len)
{
    str_t out, again;
    addr_entry e;
    const char *err;
    bool changed;

    if (addr_parse_envelope(v, len, &e, &err) == 0)
        CHECK(e.addr_spec.off + e.addr_spec.len <= len);
    str_init(&out);
    str_init(&again);
    if (masquerade_address(r, v, len, &out, &changed, &err) == MASQUERADE_OK) {
        CHECK(masquerade_address(r, out.buf, out.len, &again, &changed, &err) == MASQUERADE_OK);
        CHECK(!changed && again.len == out.len && memcmp(again.buf, out.buf, out.len) == 0);
    } else {
        CHECK(out.len == len && memcmp(out.buf, v, len) == 0);
    }
    str_free(&out);
    str_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const masquerade_rules *r;
    const char *v, *err;
    addr_list l;
    addr_span d;
    size_t len;

    if (size < 1)
        return 0;
    r = &rule_sets[data[0] % NRULES];
    v = (const char *)data + 1;
    len = size - 1;
    addr_list_init(&l);
    if (addr_parse_list(v, len, &l, &err) == 0) {
        check_spans(&l, len);
        fuzz_header(r, v, len, &l);
    } else {
        CHECK(l.n == 0 && err != NULL);
        fuzz_header(r, v, len, &l);
    }
    if (addr_from_domain(v, len, &d, &err) == 0)
        CHECK(d.off + d.len <= len && d.len > 0);
    fuzz_envelope(r, v, len);
    addr_list_free(&l);
    return 0;
}
