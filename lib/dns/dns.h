/*
 * dns.h - DNS lookups on libunbound: PTR, A/AAAA and TXT, with a shared
 * cache, a per-query timeout, and DNSSEC validation when a trust anchor is
 * configured.
 *
 * One dns handle holds one libunbound context (and its cache) and one
 * helper thread that delivers answers; any number of threads may query it
 * at once.  Each query waits at most the configured timeout; a query that
 * times out is cancelled and reported as DNS_TEMPFAIL.
 *
 * Results are four-way (dns_status) and bounded: at most DNS_MAX_PTR_NAMES
 * names, DNS_MAX_ADDRS addresses, DNS_MAX_TXT_RECORDS records of at most
 * DNS_MAX_TXT_BYTES bytes each.  More names or addresses than the bound
 * are dropped (truncated is set); an oversized TXT record is dropped too.
 *
 * Queries always go to the configured servers (or resolv.conf's): the
 * zones libunbound would otherwise answer itself as empty (test.,
 * home.arpa., 127.in-addr.arpa., ::1's reverse, private reverse zones) are
 * asked upstream too; onion. and invalid. stay NXDOMAIN.  A DNSSEC-bogus
 * answer is DNS_TEMPFAIL.
 *
 * The dns_resolver vtable lets fcrdns.h (and DKIM, SPF, DMARC) run against
 * a stub in unit tests; dns_resolver_of() gives the real one.
 *
 * Time budgets (dns_budget, below): one deadline shared by every query of
 * one piece of work, so that a chain of lookups (SPF's ten mechanisms, a
 * DMARC tree walk, FCrDNS's PTR then A/AAAA of each name) ends in bounded
 * time however many queries it makes, not only each query on its own.
 * dns_lookup() takes one; the older typed lookups have no budget (their
 * per-query timeout only).
 */
#ifndef MK_DNS_H
#define MK_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cidr.h"
#include "core/str.h"

#define DNS_MAX_PTR_NAMES 16   /* names kept from one PTR answer */
#define DNS_MAX_ADDRS 32       /* addresses kept from one A or AAAA answer */
#define DNS_MAX_TXT_RECORDS 16 /* records kept from one TXT answer */
#define DNS_MAX_TXT_BYTES 8192 /* bytes of one TXT record, its strings joined */
#define DNS_MAX_NAME 253       /* a domain name in text, without trailing dot */
#define DNS_MAX_SERVERS 8
#define DNS_DEFAULT_TIMEOUT_MS 5000u

typedef enum dns_status {
    DNS_FOUND,    /* at least one usable record */
    DNS_NOTFOUND, /* NXDOMAIN, or NODATA (the name exists without that type) */
    DNS_TEMPFAIL, /* SERVFAIL, timeout, REFUSED, DNSSEC bogus, resolver trouble */
    DNS_PERMFAIL, /* the question cannot be asked (bad name) */
} dns_status;

/* Common to every answer. */
typedef struct dns_info {
    bool secure;     /* DNSSEC-validated (only with a trust anchor) */
    bool truncated;  /* records beyond our bounds were dropped */
    bool nxdomain;   /* DNS_NOTFOUND because the name does not exist (NXDOMAIN,
                      * so no name below it exists either, RFC 8020), not NODATA */
    const char *why; /* static text for logs when not DNS_FOUND, else "" */
} dns_info;

typedef struct dns_names {
    size_t count;
    char *name[DNS_MAX_PTR_NAMES]; /* lower case, no trailing dot; owned */
    dns_info info;
} dns_names;

typedef struct dns_addrs {
    size_t count;
    cidr_addr addr[DNS_MAX_ADDRS]; /* IPv4 as ::ffff:a.b.c.d (cidr.h) */
    dns_info info;
} dns_addrs;

typedef struct dns_txts {
    size_t count;
    char *rec[DNS_MAX_TXT_RECORDS];  /* strings of one record joined, NUL-terminated; owned */
    size_t len[DNS_MAX_TXT_RECORDS]; /* bytes, without the NUL (a record may hold NULs) */
    dns_info info;
} dns_txts;

/* Frees what a lookup stored (safe on a zeroed or already freed struct). */
void dns_names_free(dns_names *n);
void dns_txts_free(dns_txts *t);

typedef struct dns_config {
    /* "192.0.2.1", "127.0.0.1@5353", "2001:db8::1@53"; none: the system's
     * resolvers from resolv_conf and names from hosts. */
    const char *const *servers;
    size_t nservers;
    unsigned timeout_ms; /* per query; 0 means DNS_DEFAULT_TIMEOUT_MS */
    const char
        *trust_anchor_file;  /* DS/DNSKEY file (e.g. /usr/share/dns/root.key); NULL: no DNSSEC */
    const char *resolv_conf; /* NULL: /etc/resolv.conf (no servers only) */
    const char *hosts;       /* NULL: /etc/hosts (no servers only) */
} dns_config;

typedef struct dns dns;

/*
 * Creates the handle and its helper thread (with all signals blocked).
 * Call it after daemonising (no fork afterwards).  Returns 0, or -1 with
 * *error_r set to a static message (a bad server, an unreadable trust anchor).
 */
int dns_new(const dns_config *cfg, dns **out, const char **error_r);
/* Stops the helper thread and frees everything; no query may be running. */
void dns_free(dns **d);

/*
 * The lookups.  Thread-safe.  *out is overwritten (not freed first); free
 * dns_names/dns_txts afterwards whatever the status.  Returns DNS_FOUND
 * (records in *out), DNS_NOTFOUND, DNS_TEMPFAIL or DNS_PERMFAIL, with
 * out->info.why saying why when not found.
 */
dns_status dns_ptr(dns *d, const cidr_addr *addr, dns_names *out);
/* family: AF_INET (A) or AF_INET6 (AAAA); anything else: returns DNS_PERMFAIL. */
dns_status dns_addrs_lookup(dns *d, const char *name, int family, dns_addrs *out);
dns_status dns_txt(dns *d, const char *name, dns_txts *out);

/*
 * ---- Time budgets ----
 *
 * A dns_budget is an absolute deadline on CLOCK_MONOTONIC for a piece of
 * work that makes several queries (one message's SPF and DMARC checks, one
 * client's FCrDNS).  The caller makes it once, at the start of that work,
 * and passes the same budget to every query of the chain:
 *
 *     dns_budget b = dns_budget_in(site_budget_ms);
 *     st = dns_lookup(d, name, DNS_T_TXT, &b, &ans);   ... and so on
 *
 * A budgeted query waits at most the smaller of the handle's per-query
 * timeout and what is left of the budget.  Once the budget is spent a
 * query is not sent at all: it returns DNS_TEMPFAIL with info.why set to
 * DNS_WHY_BUDGET, as does a query cut short by the deadline, so a chain
 * stops with a temporary failure (SPF temperror, DMARC temperror, FCrDNS
 * TEMP) and the caller can tell "out of time" from a server's failure.
 * A budget is a plain value, read only by the lookups: one budget may be
 * shared by several threads.  No lock is taken to read it.
 *
 * Users: lib/auth's SPF and DMARC take one budget per message.  FCrDNS
 * (fcrdns.h) can take one per client the same way: the PTR query as
 * r->lookup(ctx, reverse name (dns_reverse_name), DNS_T_PTR, &b, ...), then
 * DNS_T_A or DNS_T_AAAA of each name with the same b; a DNS_TEMPFAIL whose
 * why is DNS_WHY_BUDGET means "out of time", to be reported as TEMP.
 */
typedef struct dns_budget {
    uint64_t deadline_ns; /* CLOCK_MONOTONIC, in ns; 0: unlimited */
} dns_budget;

#define DNS_WHY_BUDGET "time budget spent"

/* A budget ending ms milliseconds from now; ms 0 gives an unlimited budget. */
dns_budget dns_budget_in(unsigned ms);
/* Milliseconds left (0 when spent); UINT64_MAX when unlimited or b is NULL. */
uint64_t dns_budget_left_ms(const dns_budget *b);
/* True when b is limited and its deadline has passed. */
bool dns_budget_spent(const dns_budget *b);

/*
 * ---- Any record type, with a budget ----
 *
 * dns_lookup() asks one question and returns every usable record of the
 * answer (at most DNS_MAX_RRS; more set info.truncated), in answer order:
 *   A, AAAA  addr (IPv4 as ::ffff:a.b.c.d)
 *   MX       pref and text (the exchange)
 *   PTR      text (the name)
 *            Names are text without trailing dot, ASCII letters in lower
 *            case, and are NOT checked to be host names: a label may hold
 *            any byte but '.' and NUL (a name with such a label is
 *            dropped, as is RFC 7505's null MX "."), so escape them before
 *            logging and ask for them through a query form that escapes
 *            (SPF looks up "foo:bar/baz.example.com" as RFC 7208's suite
 *            expects).  dns_ptr() keeps its host-name-only filter.
 *   TXT      text and len (the record's strings joined; a record over
 *            DNS_MAX_TXT_BYTES or malformed is dropped, truncated set)
 * Unlike dns_txt() and dns_ptr() the number of records is not capped at a
 * small number: SPF and DMARC must see every TXT record of a name to tell
 * "exactly one v=spf1 record" from "two of them".
 * DNS_FOUND needs at least one usable record; otherwise the status and
 * info are as for the typed lookups (info.nxdomain tells NXDOMAIN from
 * NODATA).  budget may be NULL (per-query timeout only).
 * Thread-safe.  *out is overwritten (not freed first); free it with
 * dns_answer_free() whatever the status.
 */
#define DNS_MAX_RRS 512

typedef enum dns_type {
    DNS_T_A = 1,
    DNS_T_PTR = 12,
    DNS_T_MX = 15,
    DNS_T_TXT = 16,
    DNS_T_AAAA = 28,
} dns_type;

typedef struct dns_rr {
    cidr_addr addr; /* A, AAAA */
    unsigned pref;  /* MX */
    char *text;     /* MX, PTR: a name; TXT: the joined strings, NUL-terminated; owned */
    size_t len;     /* bytes of text without the NUL (a TXT record may hold NULs) */
} dns_rr;

typedef struct dns_answer {
    size_t count;
    dns_rr *rr; /* count records; owned */
    dns_info info;
} dns_answer;

/*
 * Every record of type at name (bounded: see above), within budget (NULL:
 * the per-query timeout only).  Thread-safe.  Returns the four-way status
 * as the lookups above; free *out with dns_answer_free() whatever it is.
 */
dns_status dns_lookup(dns *d, const char *name, dns_type type, const dns_budget *budget,
                      dns_answer *out);
/* Frees what dns_lookup stored (safe on a zeroed or already freed answer). */
void dns_answer_free(dns_answer *a);
/* "A", "AAAA", "MX", "PTR", "TXT". */
const char *dns_type_name(dns_type t);

/* "4.3.2.1.in-addr.arpa." or the 32-nibble "ip6.arpa." name. */
void dns_reverse_name(const cidr_addr *addr, str_t *out);
/* "FOUND", "NOTFOUND", "TEMPFAIL", "PERMFAIL". */
const char *dns_status_name(dns_status s);

/*
 * A resolver behind a vtable, for fcrdns, DKIM, SPF and DMARC and their
 * stub tests.  lookup is dns_lookup() (budgeted, any type); a stub may
 * leave the members its callers do not use NULL.
 */
typedef struct dns_resolver {
    void *ctx;
    dns_status (*ptr)(void *ctx, const cidr_addr *addr, dns_names *out);
    dns_status (*addrs)(void *ctx, const char *name, int family, dns_addrs *out);
    dns_status (*txt)(void *ctx, const char *name, dns_txts *out);
    dns_status (*lookup)(void *ctx, const char *name, dns_type type, const dns_budget *budget,
                         dns_answer *out);
} dns_resolver;

/* The resolver that queries d (which must outlive it). */
dns_resolver dns_resolver_of(dns *d);

/*
 * ---- The answer cache ----
 *
 * Answers (records, NODATA, NXDOMAIN; never a failure) are kept for their
 * TTL, at most 300 s, in a table of bounded size (dnscache.h), and a
 * question asked again is answered from it without a round through
 * libunbound's thread: a spent budget still answers DNS_TEMPFAIL first.
 * dns_cache_stats() says how many lookups it answered and how many it
 * could not.  Thread-safe.
 */
void dns_cache_stats(dns *d, uint64_t *hits, uint64_t *misses);

#endif
