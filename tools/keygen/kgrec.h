/*
 * kgrec.h - DKIM key records (RFC 6376 3.6.1, RFC 8463) for milterkit-keygen:
 * formatting the TXT record we publish, and parsing a record found in DNS.
 *
 * The parser reads untrusted input: it is bounded (KGREC_MAX_LEN bytes,
 * KGREC_MAX_TAGS tags), never reads past len, and accepts NUL-free
 * printable text only.  Not thread-safe per object; no global state.
 */
#ifndef MK_KGREC_H
#define MK_KGREC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

/* Longest record the parser accepts, and most tags (RFC 6376 tag-list). */
#define KGREC_MAX_LEN 16384
#define KGREC_MAX_TAGS 64
/* Longest character-string in a TXT record (RFC 1035 3.3). */
#define KGREC_TXT_CHUNK 255

/* What to publish: the tags of a new record. */
typedef struct kgrec_spec {
    const char *k;      /* "rsa" or "ed25519" */
    const char *p;      /* base64 public key, no whitespace */
    bool testing;       /* t=y */
    bool no_subdomains; /* t=s */
} kgrec_spec;

/*
 * Appends the record as one unsplit string ("v=DKIM1; k=rsa; p=...") to out.
 * The same text, cut into strings, is what kgrec_zone_line() emits.
 */
void kgrec_format(const kgrec_spec *spec, str_t *out);

/*
 * Appends a zone-file line
 *   SELECTOR._domainkey IN TXT ( "v=DKIM1; k=rsa; " "p=..." )
 * whose quoted strings are at most KGREC_TXT_CHUNK bytes each and
 * concatenate to kgrec_format()'s text; the record contains no '"' or '\'.
 * A comment naming selector and domain follows; then a newline.
 */
void kgrec_zone_line(const kgrec_spec *spec, const char *selector, const char *domain,
                     str_t *out);

/* A parsed key record.  Strings are owned, NUL-terminated, and NULL when the
 * tag was absent.  p has its folding whitespace removed. */
typedef struct kgrec {
    char *v, *k, *h, *n, *p, *s, *t;
} kgrec;

/*
 * Parses a key record (the TXT strings already concatenated) of len bytes.
 * Returns 0 and fills rec, or -1 with *error_r set to a static message and
 * rec left empty.  Malformed: bad tag-list syntax, a duplicated tag, v= not
 * first or not "DKIM1", no p= tag, p= not base64, too long or too many tags.
 * An empty p= (revoked key) parses fine: rec->p is "".  Unknown tags are
 * ignored as RFC 6376 requires.  k= defaults to NULL (meaning rsa).
 * Free with kgrec_free().
 */
int kgrec_parse(const char *txt, size_t len, kgrec *rec, const char **error_r);

/* Frees the strings of rec and zeroes it; rec may be already empty. */
void kgrec_free(kgrec *rec);

/* True when rec->t lists flag (a single letter, "y" or "s"). */
bool kgrec_has_flag(const kgrec *rec, const char *flag);

#endif
