/*
 * dkimsign_hdrs.h - the h= list of a signature: which header fields are
 * signed, how often (oversigning), and their canonical bytes in hash
 * order.  Internal to dkimsign.c; split out to keep files small.
 *
 * Thread-safety: reentrant; a list has one owner.
 */
#ifndef MK_DKIMSIGN_HDRS_H
#define MK_DKIMSIGN_HDRS_H

#include "dkimsign.h"

typedef struct dkimsign_hlist {
    const char **names; /* the h= entries in order; strings owned by the caller's
                           lists or headers, which must outlive the list */
    size_t n;
} dkimsign_hlist_t;

/*
 * Computes the h= list for the message: every name of p->sign (wildcards
 * expanded over the message, duplicates removed case-insensitively) and of
 * p->oversign, each listed as often as it occurs, once more if oversigned.
 * Returns 0, or -1 with *error_r set (a name unusable in h=, or more than
 * DKIMSIGN_MAX_SIGNED entries).  Free with dkimsign_hlist_free().
 */
int dkimsign_hlist_build(const dkimsign_params_t *p, const dkimsign_header_t *headers,
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
