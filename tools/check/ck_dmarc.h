/*
 * ck_dmarc.h - the DMARC record of a domain, as milterkit-check reports
 * it: found at _dmarc.DOMAIN, or, when that name has none, at
 * _dmarc.PARENT for each parent with at least two labels (the tree walk
 * of RFC 9989 without its Public Suffix List: this check only says where
 * a record was found), and its policy.
 *
 * The record is untrusted input: the tag-list reader is bounded
 * (CK_DMARC_MAX_LEN bytes), never reads past len, and accepts any bytes
 * (fuzzed in tests/fuzz/fuzz_check_dnsrec.c).  Reentrant as the resolver is.
 */
#ifndef MK_CK_DMARC_H
#define MK_CK_DMARC_H

#include <stddef.h>

#include "core/str.h"
#include "dns/dns.h"

#define CK_DMARC_MAX_LEN 8192

typedef struct ck_dmarc {
    str_t p;  /* the p= value ("none", "quarantine", "reject") */
    str_t sp; /* sp=, empty when absent */
    str_t rua;
} ck_dmarc;

void ck_dmarc_init(ck_dmarc *d);
void ck_dmarc_free(ck_dmarc *d);

/*
 * Reads a record (the TXT strings joined): "v=DMARC1" first, then tags
 * "name=value" separated by ';'.  Returns 0, or -1 with *error_r set (not
 * v=DMARC1 first, no p=, a p= or sp= that is not none, quarantine or
 * reject, too long, a NUL byte).
 */
int ck_dmarc_parse(const char *txt, size_t len, ck_dmarc *out, const char **error_r);

typedef enum ck_dmarc_found {
    CK_DMARC_FOUND,    /* *at names where; out filled */
    CK_DMARC_INVALID,  /* a record is there but unusable (why) */
    CK_DMARC_ABSENT,   /* no record at the domain nor a parent */
    CK_DMARC_TEMPFAIL, /* a lookup failed (why) */
} ck_dmarc_found;

/* Looks the record of domain up (see above); the name it was found at is
 * appended to at. */
ck_dmarc_found ck_dmarc_lookup(const dns_resolver *r, const char *domain, ck_dmarc *out,
                               str_t *at, str_t *why);

#endif
