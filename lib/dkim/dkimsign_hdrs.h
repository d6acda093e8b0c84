/*
 * dkimsign_hdrs.h - the h= list of a signature: which header fields are
 * signed, how often (oversigning), and their canonical bytes in hash
 * order, and the default lists.  Used by dkimsign.c, which re-exports the
 * types and lists through dkimsign.h.
 *
 * Thread-safety: reentrant; a list has one owner.
 */
#ifndef MK_DKIMSIGN_HDRS_H
#define MK_DKIMSIGN_HDRS_H

#include <stddef.h>

#include "dkim/dkimcanon.h"
#include "core/str.h"

/* Most entries in h= (after wildcard expansion and oversigning). */
#define DKIMSIGN_MAX_SIGNED 512

/*
 * Default header lists, NULL-terminated.  A name ending in '*' matches every
 * header field whose name starts with the rest (case-insensitive), e.g.
 * "List-*"; matched names are listed as they appear in the message.
 * sign: From, Reply-To, Subject, Date, To, Cc, Message-ID, In-Reply-To,
 * References, MIME-Version, Content-Type, Content-Transfer-Encoding, List-*,
 * Resent-*, ...  oversign: From, Subject, To, Cc, Reply-To.
 */
extern const char *const dkimsign_default_sign[];
extern const char *const dkimsign_default_oversign[];

/* One header field as libmilter gives it (see dkimcanon_header()). */
typedef struct dkimsign_header {
    const char *name;  /* field name, NUL-terminated */
    const char *value; /* after the colon, leading space kept (SMFIP_HDR_LEADSPC),
                          folds joined by "\n" or "\r\n", NUL-terminated */
} dkimsign_header_t;

typedef struct dkimsign_hlist {
    const char **names; /* the h= entries in order; strings owned by the caller's
                           lists or headers, which must outlive the list */
    size_t n;
} dkimsign_hlist_t;

/*
 * Computes the h= list for the message: every name of sign (wildcards
 * expanded over the message, duplicates removed case-insensitively) and of
 * oversign, each listed as often as it occurs, once more if oversigned;
 * NULL lists mean the defaults.
 * Returns 0, or -1 with *error_r set (a name unusable in h=, or more than
 * DKIMSIGN_MAX_SIGNED entries).  Free with dkimsign_hlist_free().
 */
int dkimsign_hlist_build(const char *const *sign, const char *const *oversign,
                         const dkimsign_header_t *headers,
                         size_t nheaders, dkimsign_hlist_t *h, const char **error_r);

/*
 * Appends to out the canonical form of the header fields named by h, in
 * h order, each taking the next unused instance from the bottom of the
 * message (RFC 6376 5.4.2); names with no instance left add nothing.
 */
void dkimsign_hlist_canon(dkimcanon_t c, const dkimsign_hlist_t *h,
                          const dkimsign_header_t *headers, size_t nheaders, str_t *out);

void dkimsign_hlist_free(dkimsign_hlist_t *h);

#endif
