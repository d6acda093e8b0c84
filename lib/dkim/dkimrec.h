/*
 * dkimrec.h - DKIM key records (RFC 6376 3.6.1, RFC 8463): formatting the
 * TXT record we publish, parsing a record found in DNS, and judging the
 * records published at a selector against a private key.  Used by
 * milterkit-keygen (records it prints, --check) and milterkit-check.
 *
 * No DNS here (this layer does not include lib/dns): the caller looks the
 * TXT records up and hands them over.
 *
 * The parser reads untrusted input: it is bounded (DKIMREC_MAX_LEN bytes,
 * DKIMREC_MAX_TAGS tags), never reads past len, and accepts NUL-free
 * printable text only.  Not thread-safe per object; no global state.
 */
#ifndef MK_DKIMREC_H
#define MK_DKIMREC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "dkim/dkimkey.h"

/* Longest record the parser accepts, and most tags (RFC 6376 tag-list). */
#define DKIMREC_MAX_LEN 16384
#define DKIMREC_MAX_TAGS 64
/* Longest character-string in a TXT record (RFC 1035 3.3). */
#define DKIMREC_TXT_CHUNK 255

/* What to publish: the tags of a new record. */
typedef struct dkimrec_spec {
    const char *k;      /* "rsa" or "ed25519" */
    const char *p;      /* base64 public key, no whitespace */
    bool testing;       /* t=y */
    bool no_subdomains; /* t=s */
} dkimrec_spec;

/*
 * Appends the record as one unsplit string ("v=DKIM1; k=rsa; p=...") to out.
 * The same text, cut into strings, is what dkimrec_zone_line() emits.
 */
void dkimrec_format(const dkimrec_spec *spec, str_t *out);

/*
 * Appends a zone-file line
 *   SELECTOR._domainkey IN TXT ( "v=DKIM1; k=rsa; " "p=..." )
 * whose quoted strings are at most DKIMREC_TXT_CHUNK bytes each and
 * concatenate to dkimrec_format()'s text; the record contains no '"' or '\'.
 * A comment naming selector and domain follows; then a newline.
 */
void dkimrec_zone_line(const dkimrec_spec *spec, const char *selector, const char *domain,
                     str_t *out);

/* A parsed key record.  Strings are owned, NUL-terminated, and NULL when the
 * tag was absent.  p has its folding whitespace removed. */
typedef struct dkimrec {
    char *v, *k, *h, *n, *p, *s, *t;
} dkimrec;

/*
 * Parses a key record (the TXT strings already concatenated) of len bytes.
 * Returns 0 and fills rec, or -1 with *error_r set to a static message and
 * rec left empty.  Malformed: bad tag-list syntax, a duplicated tag, v= not
 * first or not "DKIM1", no p= tag, p= not base64, too long or too many tags.
 * An empty p= (revoked key) parses fine: rec->p is "".  Unknown tags are
 * ignored as RFC 6376 requires.  k= defaults to NULL (meaning rsa).
 * Free with dkimrec_free().
 */
int dkimrec_parse(const char *txt, size_t len, dkimrec *rec, const char **error_r);

/* Frees the strings of rec and zeroes it; rec may be already empty. */
void dkimrec_free(dkimrec *rec);

/* True when rec->t lists flag (a single letter, "y" or "s"). */
bool dkimrec_has_flag(const dkimrec *rec, const char *flag);

/* What the records at a selector say about a key, best first. */
typedef enum dkimrec_verdict {
    DKIMREC_MATCH,     /* a record holds the key's public half, usable with it */
    DKIMREC_DIFFERENT, /* well-formed, but another key, revoked (empty p=), or
                          excluded by k=, h= or s= */
    DKIMREC_MALFORMED, /* no record is a valid key record */
    DKIMREC_ERROR,     /* the key's public half cannot be derived (OpenSSL) */
} dkimrec_verdict;

/*
 * Judges the n TXT records found (txt[i] of len[i] bytes, the strings of
 * each record already joined; n >= 1) against key.  Appends one line per
 * record to msg ("record matches the key file", "malformed record (why):
 * \"...\"", ...), and a warning line when n > 1 (verifiers may pick any);
 * every line ends in a newline, untrusted text is made printable and
 * capped.  A matching record wins over a different one, which wins over a
 * malformed one.  Reentrant.
 */
dkimrec_verdict dkimrec_judge(const char *const *txt, const size_t *len, size_t n,
                              const dkimkey_t *key, str_t *msg);

#endif
