/*
 * dnscache.h - the answers lib/dns got from libunbound, kept for their TTL
 * so that the same question asked again is answered in the asking thread.
 *
 * libunbound has a cache of its own, but every query, cached or not, goes
 * through its helper thread and two pipes (dns.c): about 60 us of CPU per
 * lookup on the development machine, most of what SPF, DKIM and DMARC of
 * one message cost.  This cache answers a repeated question with a lock, a
 * hash and a copy.
 *
 * What is kept: answers with rcode NOERROR (records, or none: NODATA) or
 * NXDOMAIN, not DNSSEC-bogus, with a TTL above 0, of at most
 * DNSCACHE_MAX_BYTES of record data; for min(TTL, max_ttl) seconds.  A
 * failure (SERVFAIL, timeout, REFUSED) is never kept.  Names are compared
 * without regard to ASCII case and to one trailing dot.  The table has a
 * fixed number of slots (one answer each, the newest replacing the old on
 * a collision), so its size is bounded whatever is asked.
 *
 * Answers are struct ub_result copies holding only what lib/dns reads
 * (rcode, havedata, nxdomain, secure, bogus, ttl, data, len); free them
 * with dnscache_result_free(), never ub_resolve_free().
 *
 * Thread-safe: the slots are guarded by a few locks, each held only for a
 * lookup or a store (never while waiting for DNS).
 */
#ifndef MK_DNSCACHE_H
#define MK_DNSCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unbound.h>

#define DNSCACHE_SLOTS 1024
#define DNSCACHE_MAX_TTL 300     /* seconds an answer is kept at most */
#define DNSCACHE_MAX_BYTES 16384 /* record data of one answer kept at most */

typedef struct dnscache dnscache;

/* An empty cache; slots 0 means DNSCACHE_SLOTS, max_ttl 0 DNSCACHE_MAX_TTL. */
dnscache *dnscache_new(size_t slots, unsigned max_ttl);
/* Frees *c and every answer it holds (no thread may use it any more). */
void dnscache_free(dnscache **c);

/* A copy of the answer kept for (name, type) and not yet expired at now_ns
 * (CLOCK_MONOTONIC), or NULL.  The caller frees it. */
struct ub_result *dnscache_get(dnscache *c, const char *name, int type, uint64_t now_ns);

/* Keeps a copy of res as the answer to (name, type) when it may be kept
 * (above); otherwise nothing. */
void dnscache_put(dnscache *c, const char *name, int type, const struct ub_result *res,
                  uint64_t now_ns);

/* A copy of res (libunbound's or ours) with the fields above. */
struct ub_result *dnscache_copy(const struct ub_result *res);
/* Frees a copy made here (NULL is fine) and sets *res to NULL. */
void dnscache_result_free(struct ub_result **res);

/* Questions answered from the cache, and asked of it in vain, so far. */
void dnscache_stats(dnscache *c, uint64_t *hits, uint64_t *misses);

#endif
