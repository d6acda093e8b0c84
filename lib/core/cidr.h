/*
 * cidr.h - IPv4 and IPv6 address prefixes, and sets of them.
 *
 * Addresses are held as 16 bytes; IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d), so an IPv4 prefix matches both a plain IPv4 client and
 * the same client seen as an IPv4-mapped IPv6 address.  A cidr_set is
 * built once (at config load) and then only read: concurrent cidr_set_match
 * calls are safe.
 */
#ifndef MK_CIDR_H
#define MK_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct cidr_addr {
    uint8_t b[16]; /* network order; IPv4 as ::ffff:a.b.c.d */
} cidr_addr;

typedef struct cidr {
    cidr_addr addr; /* host bits cleared */
    unsigned bits;  /* 0..128, over the 16-byte form (IPv4 /n is 96+n) */
} cidr;

typedef struct cidr_set {
    cidr *items;
    size_t count;
} cidr_set;

/* Parses "a.b.c.d", "a.b.c.d/n", "x::y", "x::y/n" (also [x::y]).  Host bits
 * set under the prefix are an error (as in Postfix's mynetworks check).
 * Returns 0, or -1 with *error_r set to a static message. */
int cidr_parse(const char *text, cidr *out, const char **error_r);
/* Fills *out from a sockaddr (AF_INET or AF_INET6).  Returns 0, or -1 for
 * other families or NULL. */
int cidr_addr_from_sockaddr(const struct sockaddr *sa, cidr_addr *out);
/* Parses a bare address (no prefix).  Returns 0, or -1 when it is not one. */
int cidr_addr_parse(const char *text, cidr_addr *out);
bool cidr_addr_is_v4(const cidr_addr *a);
bool cidr_match(const cidr *c, const cidr_addr *a);
/* Writes the address as text (IPv4 dotted for mapped addresses). */
void cidr_addr_format(const cidr_addr *a, char *buf, size_t size);

void cidr_set_init(cidr_set *set);
void cidr_set_add(cidr_set *set, const cidr *c);
bool cidr_set_match(const cidr_set *set, const cidr_addr *a);
void cidr_set_free(cidr_set *set);

#endif
