/*
 * dmarc_walk.h - the DNS Tree Walk of RFC 9989 4.10 and the
 * Organizational Domain it gives (4.10.2), with the answers remembered for
 * one evaluation (a walker).
 *
 * The walk from a name asks for _dmarc.<name>, then for the names above it
 * (dmarc_walk_names: at most DMARC_MAX_WALK, a name of 8 labels or more
 * being cut to 7 after the first query), keeping the one valid DMARC record
 * of each name that has exactly one (several: all discarded, the walk goes
 * on), and stops after a record with psd=y or psd=n.
 *
 * A walker is used by one thread; its resolver must outlive it.
 */
#ifndef MK_DMARC_WALK_H
#define MK_DMARC_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/dmarc_record.h"
#include "core/str.h"
#include "dns/dns.h"

#ifndef DMARC_MAX_WALK
#define DMARC_MAX_WALK 8
#endif

/* The remembered outcome of one _dmarc.<name> query. */
typedef struct dmarc_answer {
    char *name;          /* the domain (without "_dmarc."), normal form (owned) */
    dns_status status;   /* DNS_FOUND: one DMARC record; DNS_NOTFOUND: none usable
                          * (no TXT, no DMARC1 record, several, or an unaskable name);
                          * DNS_TEMPFAIL: the lookup failed */
    bool several;        /* NOTFOUND because several DMARC records were there */
    dmarc_record record; /* when DNS_FOUND */
} dmarc_answer;

typedef struct dmarc_walker {
    const dns_resolver *r;
    const dns_budget *budget;
    dmarc_answer **memo; /* every name asked, once */
    size_t nmemo;
    unsigned queries; /* DNS queries actually sent */
    bool out_of_time; /* a query was refused or cut short by the budget */
} dmarc_walker;

typedef struct dmarc_walk {
    bool tempfail;                             /* a lookup failed: the walk is incomplete */
    size_t n;                                  /* valid records found */
    const dmarc_answer *found[DMARC_MAX_WALK]; /* longest name first (owned by the walker) */
} dmarc_walk;

void dmarc_walker_init(dmarc_walker *w, const dns_resolver *r, const dns_budget *budget);
void dmarc_walker_free(dmarc_walker *w);

/*
 * The names a walk from name (normal form) asks for, in order: name, then
 * (name cut to 7 labels if it has 8 or more, else its parent), and each
 * parent up to the top label.  Fills names[] with pointers into name;
 * returns how many (at most DMARC_MAX_WALK; 0 for "").
 */
size_t dmarc_walk_names(const char *name, const char *names[DMARC_MAX_WALK]);

/* The remembered (or newly asked) answer for _dmarc.<name>; never NULL. */
const dmarc_answer *dmarc_walker_ask(dmarc_walker *w, const char *name);

/*
 * Walks from start (normal form).  Stops at the first failed lookup
 * (out->tempfail) or after a record with psd=y/n.  Fills *out (pointers
 * owned by the walker).
 */
void dmarc_walk_run(dmarc_walker *w, const char *start, dmarc_walk *out);

/*
 * The Organizational Domain of start from its walk (4.10.2), appended to
 * out: the name of the psd=n record; the name one label below a psd=y
 * record that is not start's own; else the found name with the fewest
 * labels; start itself when the walk found nothing.
 */
void dmarc_walk_org(const dmarc_walk *wk, const char *start, str_t *out);

#endif
