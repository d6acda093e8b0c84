/*
 * dmarc_from.h - the Author Domains of a message (RFC 9989 5.3.1): the
 * domain of every mailbox of every From header field, parsed with
 * lib/mail/addr, comments and folding removed, one trailing dot dropped,
 * U-labels converted to A-labels (dnsname_to_ascii), lower case, each domain
 * once, in the order written.  Mailboxes inside groups count like the
 * others (a group in From is not RFC 5322, and must not hide a domain).
 *
 * A mailbox without a usable domain (no "@", "<>", a domain literal, a
 * name IDNA refuses or that is no DNS name) is counted in unusable, not
 * evaluated.  A From value lib/mail/addr cannot parse sets unparseable;
 * the domains of the other From fields are still collected.
 *
 * Reentrant; the caller owns the result.
 */
#ifndef MK_DMARC_FROM_H
#define MK_DMARC_FROM_H

#include <stdbool.h>
#include <stddef.h>

typedef struct dmarc_authors {
    size_t n;
    char **domain;    /* n distinct Author Domains (owned) */
    bool truncated;   /* more distinct domains than the limit: not all collected */
    size_t fields;    /* From header fields given */
    size_t mailboxes; /* mailboxes found in them */
    size_t unusable;  /* mailboxes without a usable domain */
    bool unparseable; /* a From field lib/mail/addr rejected */
    const char *why;  /* the first problem, static text; "" if none */
} dmarc_authors;

/* Collects the Author Domains of the From field values from[0..nfrom), at
 * most limit distinct ones (truncated is set when there are more; the work
 * stays linear in the input whatever it holds).  Fills *out (free with
 * dmarc_authors_free); never fails. */
void dmarc_authors_of(const char *const *from, size_t nfrom, size_t limit, dmarc_authors *out);
void dmarc_authors_free(dmarc_authors *a);

#endif
