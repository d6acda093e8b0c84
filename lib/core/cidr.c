/* cidr.c - IPv4/IPv6 prefixes and prefix sets; see cidr.h. */
#include "config.h"

#include "core/cidr.h"

#include "core/mem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Longest textual address we accept, brackets included. */
#define CIDR_TEXT_MAX 64

bool cidr_addr_is_v4(const cidr_addr *a)
{
    return memcmp(a->b, v4mapped_prefix, sizeof v4mapped_prefix) == 0;
}

static void set_v4(cidr_addr *a, const struct in_addr *in)
{
    memcpy(a->b, v4mapped_prefix, sizeof v4mapped_prefix);
    memcpy(a->b + 12, &in->s_addr, 4);
}

int cidr_addr_parse(const char *text, cidr_addr *out)
{
    char buf[CIDR_TEXT_MAX];
    size_t len = strlen(text);
    struct in_addr in4;
    struct in6_addr in6;

    if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
        text++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, &in4) == 1) {
        set_v4(out, &in4);
        return 0;
    }
    if (inet_pton(AF_INET6, buf, &in6) == 1) {
        memcpy(out->b, in6.s6_addr, 16);
        return 0;
    }
    return -1;
}

int cidr_addr_from_sockaddr(const struct sockaddr *sa, cidr_addr *out)
{
    if (sa == NULL)
        return -1;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;

        set_v4(out, &sin->sin_addr);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;

        memcpy(out->b, sin6->sin6_addr.s6_addr, 16);
        return 0;
    }
    return -1;
}

static bool host_bits_clear(const cidr_addr *a, unsigned bits)
{
    for (unsigned i = bits; i < 128; i++)
        if (a->b[i / 8] & (0x80u >> (i % 8)))
            return false;
    return true;
}

int cidr_parse(const char *text, cidr *out, const char **error_r)
{
    char buf[CIDR_TEXT_MAX];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    unsigned long bits;
    unsigned maxbits;
    char *end;

    if (alen >= sizeof buf) {
        *error_r = "address too long";
        return -1;
    }
    memcpy(buf, text, alen);
    buf[alen] = '\0';
    if (cidr_addr_parse(buf, &out->addr) < 0) {
        *error_r = "not an IPv4 or IPv6 address";
        return -1;
    }
    maxbits = cidr_addr_is_v4(&out->addr) && strchr(buf, ':') == NULL ? 32 : 128;
    if (slash == NULL) {
        bits = maxbits;
    } else {
        errno = 0;
        bits = strtoul(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 || bits > maxbits) {
            *error_r = "bad prefix length";
            return -1;
        }
    }
    out->bits = (unsigned)bits + (maxbits == 32 ? 96 : 0);
    if (!host_bits_clear(&out->addr, out->bits)) {
        *error_r = "address has bits set beyond the prefix length";
        return -1;
    }
    return 0;
}

bool cidr_match(const cidr *c, const cidr_addr *a)
{
    unsigned full = c->bits / 8, rest = c->bits % 8;

    if (memcmp(c->addr.b, a->b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (c->addr.b[full] & mask) == (a->b[full] & mask);
}

void cidr_addr_format(const cidr_addr *a, char *buf, size_t size)
{
    if (cidr_addr_is_v4(a)) {
        if (inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)size) == NULL && size)
            buf[0] = '\0';
    } else if (inet_ntop(AF_INET6, a->b, buf, (socklen_t)size) == NULL && size) {
        buf[0] = '\0';
    }
}

void cidr_set_init(cidr_set *set)
{
    set->items = NULL;
    set->count = 0;
}

void cidr_set_add(cidr_set *set, const cidr *c)
{
    set->items = mem_realloc_array(set->items, set->count + 1, sizeof *set->items);
    set->items[set->count++] = *c;
}

bool cidr_set_match(const cidr_set *set, const cidr_addr *a)
{
    for (size_t i = 0; i < set->count; i++)
        if (cidr_match(&set->items[i], a))
            return true;
    return false;
}

void cidr_set_free(cidr_set *set)
{
    mem_free(&set->items);
    set->count = 0;
}
