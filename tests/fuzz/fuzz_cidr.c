/*
 * fuzz_cidr.c - libFuzzer target over lib/cidr: the address parser, the
 * prefix parser (site.internal_networks, access map Connect: nets) and set
 * lookups.  The first line of the input is an address, every further line
 * a prefix.  Invariants checked (abort on violation):
 *   - a parsed address formats to text that parses to the same address,
 *     also in [brackets]; an IPv4 address is stored IPv4-mapped, and the
 *     same client given as ::ffff:a.b.c.d or as a sockaddr_in/sockaddr_in6
 *     gives the same address (and so the same set lookups);
 *   - an address matches the /32 (IPv4) or /128 set built from its text,
 *     and ::/0; an IPv4 address matches 0.0.0.0/0, an IPv6 one does not;
 *   - a parsed prefix has no host bits set, matches its own address, is
 *     96+n bits for an IPv4 a.b.c.d/n, and formats back to the same prefix;
 *     a failed parse gives a non-empty reason;
 *   - cidr_match and cidr_set_match agree with a bit-by-bit reference.
 */
#include "config.h"

#include "fuzz.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cidr.h"
#include "core/mem.h"

static int bit(const cidr_addr *a, unsigned i)
{
    return (a->b[i / 8] >> (7 - i % 8)) & 1;
}

/* The reference: the first c->bits bits are equal. */
static bool ref_match(const cidr *c, const cidr_addr *a)
{
    for (unsigned i = 0; i < c->bits; i++)
        if (bit(&c->addr, i) != bit(a, i))
            return false;
    return true;
}

static bool same(const cidr_addr *a, const cidr_addr *b)
{
    return memcmp(a->b, b->b, 16) == 0;
}

/* Parses prefix into a one-entry set; returns whether it matches a. */
static bool set_of_matches(const char *prefix, const cidr_addr *a)
{
    const char *why = NULL;
    cidr_set set;
    cidr c;
    bool m;

    CHECK(cidr_parse(prefix, &c, &why) == 0);
    cidr_set_init(&set);
    cidr_set_add(&set, &c);
    m = cidr_set_match(&set, a);
    CHECK(m == ref_match(&c, a));
    cidr_set_free(&set);
    return m;
}

static void check_addr(const cidr_addr *a)
{
    char text[INET6_ADDRSTRLEN], buf[128];
    struct sockaddr_in sin = {.sin_family = AF_INET};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    cidr_addr b;
    bool v4 = cidr_addr_is_v4(a);

    cidr_addr_format(a, text, sizeof text);
    CHECK(text[0] != '\0' && cidr_addr_parse(text, &b) == 0 && same(a, &b));
    snprintf(buf, sizeof buf, "[%s]", text);
    CHECK(cidr_addr_parse(buf, &b) == 0 && same(a, &b));
    memcpy(sin6.sin6_addr.s6_addr, a->b, 16);
    CHECK(cidr_addr_from_sockaddr((struct sockaddr *)&sin6, &b) == 0 && same(a, &b));
    snprintf(buf, sizeof buf, "%s/%d", text, v4 ? 32 : 128);
    CHECK(set_of_matches(buf, a) && set_of_matches(text, a) && set_of_matches("::/0", a));
    CHECK(set_of_matches("0.0.0.0/0", a) == v4);
    if (!v4)
        return;
    CHECK(strchr(text, ':') == NULL);
    snprintf(buf, sizeof buf, "::ffff:%s", text);
    CHECK(cidr_addr_parse(buf, &b) == 0 && same(a, &b));
    snprintf(buf, sizeof buf, "::ffff:%s/128", text);
    CHECK(set_of_matches(buf, a));
    memcpy(&sin.sin_addr.s_addr, a->b + 12, 4);
    CHECK(cidr_addr_from_sockaddr((struct sockaddr *)&sin, &b) == 0 && same(a, &b));
}

static void check_prefix(const char *text, const cidr *c)
{
    char addr[INET6_ADDRSTRLEN], buf[128];
    const char *why = NULL;
    bool v4text = strchr(text, ':') == NULL;
    cidr again, host = *c;

    CHECK(c->bits <= 128 && cidr_match(c, &c->addr));
    for (unsigned i = c->bits; i < 128; i++)
        CHECK(bit(&c->addr, i) == 0);
    if (v4text)
        CHECK(cidr_addr_is_v4(&c->addr) && c->bits >= 96);
    cidr_addr_format(&c->addr, addr, sizeof addr);
    snprintf(buf, sizeof buf, "%s/%u", addr, v4text ? c->bits - 96 : c->bits);
    if (!v4text && cidr_addr_is_v4(&c->addr)) /* formatted dotted: as ::ffff:a.b.c.d */
        snprintf(buf, sizeof buf, "::ffff:%s/%u", addr, c->bits);
    CHECK(cidr_parse(buf, &again, &why) == 0);
    CHECK(again.bits == c->bits && same(&again.addr, &c->addr));
    if (c->bits < 128) { /* a host bit set: still inside */
        host.addr.b[15] ^= 1;
        CHECK(cidr_match(c, &host.addr));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = mem_strndup((const char *)data, size), *line, *next;
    cidr_addr a;
    cidr_set set;
    bool have_addr, any = false;

    next = strchr(text, '\n');
    if (next)
        *next++ = '\0';
    have_addr = cidr_addr_parse(text, &a) == 0;
    if (have_addr)
        check_addr(&a);
    cidr_set_init(&set);
    for (line = next; line != NULL; line = next) {
        const char *why = NULL;
        cidr c;

        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (cidr_parse(line, &c, &why) < 0) {
            CHECK(why != NULL && why[0] != '\0');
            continue;
        }
        check_prefix(line, &c);
        cidr_set_add(&set, &c);
        if (have_addr) {
            CHECK(cidr_match(&c, &a) == ref_match(&c, &a));
            any |= ref_match(&c, &a);
        }
    }
    if (have_addr)
        CHECK(cidr_set_match(&set, &a) == any);
    cidr_set_free(&set);
    mem_free(&text);
    return 0;
}
