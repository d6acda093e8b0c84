/*
 * dns.c - PTR, A/AAAA and TXT lookups on one shared libunbound context; see
 * dns.h.
 *
 * libunbound's blocking ub_resolve() has no timeout, so every query is
 * asynchronous: the asking thread starts it with ub_resolve_async() and
 * waits on its own condition variable until the answer or its deadline.
 * One helper thread polls ub_fd() and runs ub_process(), which calls our
 * callback (without libunbound locks held) for any thread's query.
 *
 * Timeout and cancel race: under d->lock the waiter marks the query
 * abandoned, then calls ub_cancel().  If ub_cancel() succeeds libunbound
 * will never call back, so the waiter frees the query; if it fails the
 * answer is being delivered, and the callback, seeing "abandoned", frees it.
 * Queries abandoned that way and still pending when the handle is freed are
 * freed by dns_free() (libunbound drops their callbacks).
 *
 * No lock is held while a query is in flight: d->lock only guards the
 * hand-over of an answer (and the abandoned list), and each waiter sleeps on
 * its own condition variable, so the queries of several messages never wait
 * behind one another.  A budget only shortens a waiter's deadline.
 *
 * Answers are kept for their TTL (dnscache.h): a question asked again is
 * answered in the asking thread, without the hand-over.  Every answer
 * handed to the parsers below is dnscache's copy (freed with
 * dnscache_result_free), from the cache or made of libunbound's.
 */
#include "config.h"

#include "dns/dns.h"

#include "dns/dnscache.h"

#include "core/log.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unbound.h>
#include <unistd.h>

#define RR_A 1
#define RR_PTR 12
#define RR_MX 15
#define RR_TXT 16
#define RR_AAAA 28
#define RCODE_NOERROR 0
#define RCODE_SERVFAIL 2
#define RCODE_NXDOMAIN 3

typedef struct query {
    struct dns *d;
    pthread_cond_t cond;
    bool done, abandoned;
    int err;
    struct ub_result *res;
    struct query *prev, *next; /* on d->abandoned while abandoned */
} query;

struct dns {
    struct ub_ctx *ctx;
    unsigned timeout_ms;
    pthread_mutex_t lock;
    query *abandoned; /* queries given up on, whose callback may still come */
    pthread_t pump;
    int stop[2]; /* pipe: a byte (or close) stops the helper thread */
    dnscache *cache;
};

/* ---- setup ---- */

/*
 * libunbound answers some zones itself (as empty) by default.  We always
 * forward to the site's resolvers, which must answer these: home networks
 * use home.arpa (RFC 8375) and private reverse zones (unblock-lan-zones),
 * tests use test. and 127.0.0.0/8.  onion. and invalid. stay blocked.
 */
static const char *const served_upstream[] = {
    "home.arpa.",
    "test.",
    "127.in-addr.arpa.",
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
};

static int configure(struct ub_ctx *ctx, const dns_config *cfg, const char **error_r)
{
    if (ub_ctx_async(ctx, 1) != 0 || ub_ctx_set_option(ctx, "do-not-query-localhost:", "no") != 0 ||
        ub_ctx_set_option(ctx, "unblock-lan-zones:", "yes") != 0 ||
        ub_ctx_set_option(ctx, "insecure-lan-zones:", "yes") != 0) {
        *error_r = "cannot configure libunbound";
        return -1;
    }
    if (cfg->nservers > DNS_MAX_SERVERS) {
        *error_r = "too many DNS servers";
        return -1;
    }
    for (size_t i = 0; i < cfg->nservers; i++) {
        if (cfg->servers[i] == NULL || ub_ctx_set_fwd(ctx, cfg->servers[i]) != 0) {
            *error_r = "bad DNS server (want ADDRESS or ADDRESS@PORT)";
            return -1;
        }
    }
    if (cfg->nservers == 0 &&
        (ub_ctx_resolvconf(ctx, cfg->resolv_conf) != 0 || ub_ctx_hosts(ctx, cfg->hosts) != 0)) {
        *error_r = "cannot read the system resolver configuration (resolv.conf, hosts)";
        return -1;
    }
    if (cfg->trust_anchor_file != NULL && (access(cfg->trust_anchor_file, R_OK) != 0 ||
                                           ub_ctx_add_ta_file(ctx, cfg->trust_anchor_file) != 0)) {
        *error_r = "cannot read the DNSSEC trust anchor file";
        return -1;
    }
    /* Removing data finalises the context now: a bad trust anchor shows
     * at start-up rather than as a failure of every query. */
    if (ub_ctx_data_remove(ctx, "invalid.") != 0) {
        *error_r = "cannot set up libunbound (bad trust anchor file?)";
        return -1;
    }
    for (size_t i = 0; i < sizeof served_upstream / sizeof served_upstream[0]; i++)
        (void)ub_ctx_zone_remove(ctx, served_upstream[i]);
    return 0;
}

static void *pump_main(void *arg)
{
    dns *d = arg;
    struct pollfd p[2] = {{.fd = ub_fd(d->ctx), .events = POLLIN},
                          {.fd = d->stop[0], .events = POLLIN}};

    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            panic("dns: poll: %s", strerror(errno));
        }
        if (p[1].revents != 0)
            return NULL;
        if (p[0].revents != 0 && ub_process(d->ctx) != 0) {
            /* libunbound's worker is gone: stop polling its pipe (which
             * would spin); every query now ends in its timeout. */
            log_msg(LOG_ERR, "dns: libunbound stopped answering; DNS lookups will time out");
            p[0].fd = -1;
        }
    }
}

static int start_pump(dns *d, const char **error_r)
{
    sigset_t all, old;
    int r;

    if (pipe(d->stop) < 0) {
        *error_r = "cannot create a pipe";
        return -1;
    }
    (void)fcntl(d->stop[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(d->stop[1], F_SETFD, FD_CLOEXEC);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = pthread_create(&d->pump, NULL, pump_main, d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        close(d->stop[0]);
        close(d->stop[1]);
        *error_r = "cannot start the DNS thread";
        return -1;
    }
    return 0;
}

int dns_new(const dns_config *cfg, dns **out, const char **error_r)
{
    dns *d = mem_zalloc(sizeof *d);

    *out = NULL;
    d->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DNS_DEFAULT_TIMEOUT_MS;
    d->ctx = ub_ctx_create();
    if (d->ctx == NULL) {
        *error_r = "cannot create a libunbound context";
        mem_free(&d);
        return -1;
    }
    pthread_mutex_init(&d->lock, NULL);
    if (configure(d->ctx, cfg, error_r) < 0 || start_pump(d, error_r) < 0) {
        ub_ctx_delete(d->ctx);
        pthread_mutex_destroy(&d->lock);
        mem_free(&d);
        return -1;
    }
    d->cache = dnscache_new(0, 0);
    *out = d;
    return 0;
}

static void query_destroy(query *q)
{
    pthread_cond_destroy(&q->cond);
    mem_free(&q);
}

void dns_free(dns **dp)
{
    dns *d = *dp;
    char c = 0;

    if (d == NULL)
        return;
    if (write(d->stop[1], &c, 1) < 0)
        panic("dns: cannot stop the DNS thread: %s", strerror(errno));
    pthread_join(d->pump, NULL);
    close(d->stop[0]);
    close(d->stop[1]);
    ub_ctx_delete(d->ctx); /* drops the callbacks of pending queries */
    while (d->abandoned != NULL) {
        query *q = d->abandoned;

        d->abandoned = q->next;
        query_destroy(q);
    }
    pthread_mutex_destroy(&d->lock);
    dnscache_free(&d->cache);
    mem_free(dp);
}

/* ---- one query ---- */

/* Takes q off d's list of abandoned queries (d->lock held). */
static void unlink_abandoned(dns *d, query *q)
{
    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        d->abandoned = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
}

static void on_answer(void *arg, int err, struct ub_result *res)
{
    query *q = arg;
    dns *d = q->d;

    pthread_mutex_lock(&d->lock);
    if (q->abandoned) {
        unlink_abandoned(d, q);
        pthread_mutex_unlock(&d->lock);
        ub_resolve_free(res);
        query_destroy(q);
        return;
    }
    q->err = err;
    q->res = res;
    q->done = true;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&d->lock);
}

static query *query_new(dns *d)
{
    query *q = mem_zalloc(sizeof *q);
    pthread_condattr_t attr;

    q->d = d;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &attr);
    pthread_condattr_destroy(&attr);
    return q;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec timespec_of(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u),
                             .tv_nsec = (long)(ns % 1000000000u)};
}

/* Gives up on q (locked by the caller, who unlocks). */
static void abandon(dns *d, query *q, int id)
{
    q->abandoned = true;
    q->next = d->abandoned;
    if (q->next != NULL)
        q->next->prev = q;
    d->abandoned = q;
    pthread_mutex_unlock(&d->lock);
    if (ub_cancel(d->ctx, id) != 0)
        return; /* being delivered: on_answer frees q */
    pthread_mutex_lock(&d->lock);
    unlink_abandoned(d, q);
    pthread_mutex_unlock(&d->lock);
    query_destroy(q);
}

/*
 * Runs one query; on DNS_FOUND-able outcomes *res is set (a dnscache copy,
 * the caller frees it).  A spent budget sends nothing; then the cache
 * answers if it can; otherwise the query waits until the handle's
 * per-query timeout, or the budget's deadline when that comes first.
 */
static dns_status resolve(dns *d, const char *name, int type, const dns_budget *budget,
                          struct ub_result **res, dns_info *info)
{
    uint64_t start = now_ns(), until = start + (uint64_t)d->timeout_ms * 1000000u;
    bool by_budget = false;
    struct timespec deadline;
    query *q;
    int id = 0, r;

    *res = NULL;
    if (budget != NULL && budget->deadline_ns != 0 && budget->deadline_ns <= until) {
        if (budget->deadline_ns <= start) {
            info->why = DNS_WHY_BUDGET;
            return DNS_TEMPFAIL;
        }
        until = budget->deadline_ns;
        by_budget = true;
    }
    if ((*res = dnscache_get(d->cache, name, type, start)) != NULL)
        return DNS_FOUND;
    q = query_new(d);
    r = ub_resolve_async(d->ctx, name, type, 1 /* IN */, q, on_answer, &id);
    if (r != 0) {
        query_destroy(q);
        info->why = r == UB_SYNTAX ? "bad query name" : "resolver error";
        return r == UB_SYNTAX ? DNS_PERMFAIL : DNS_TEMPFAIL;
    }
    deadline = timespec_of(until);
    pthread_mutex_lock(&d->lock);
    while (!q->done)
        if (pthread_cond_timedwait(&q->cond, &d->lock, &deadline) == ETIMEDOUT)
            break;
    if (!q->done) {
        abandon(d, q, id);
        info->why = by_budget ? DNS_WHY_BUDGET : "timeout";
        return DNS_TEMPFAIL;
    }
    pthread_mutex_unlock(&d->lock);
    r = q->err;
    if (q->res != NULL) {
        if (r == 0)
            dnscache_put(d->cache, name, type, q->res, now_ns());
        *res = dnscache_copy(q->res);
        ub_resolve_free(q->res);
    }
    query_destroy(q);
    if (r != 0 || *res == NULL) {
        info->why = "resolver error";
        return DNS_TEMPFAIL;
    }
    return DNS_FOUND;
}

/* Maps the answer's rcode and flags; DNS_FOUND means "has data, parse it". */
static dns_status classify(const struct ub_result *res, dns_info *info)
{
    info->secure = res->secure != 0;
    if (res->bogus) {
        info->why = "DNSSEC validation failed (bogus)";
        return DNS_TEMPFAIL;
    }
    switch (res->rcode) {
    case RCODE_NOERROR:
        if (res->havedata)
            return DNS_FOUND;
        info->why = "no record of that type (NODATA)";
        return DNS_NOTFOUND;
    case RCODE_NXDOMAIN:
        info->why = "no such name (NXDOMAIN)";
        info->nxdomain = true;
        return DNS_NOTFOUND;
    case RCODE_SERVFAIL:
        info->why = "server failure (SERVFAIL)";
        return DNS_TEMPFAIL;
    default:
        info->why = "unexpected DNS reply code";
        return DNS_TEMPFAIL;
    }
}

/* A query name we are willing to send: printable, bounded, no empty labels. */
static bool name_ok(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > DNS_MAX_NAME + 1 || name[0] == '.' || strstr(name, "..") != NULL)
        return false;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

static dns_status query_type(dns *d, const char *name, int type, const dns_budget *budget,
                             struct ub_result **res, dns_info *info)
{
    dns_status st;

    *info = (dns_info){.why = ""};
    *res = NULL;
    if (!name_ok(name)) {
        info->why = "bad query name";
        return DNS_PERMFAIL;
    }
    st = resolve(d, name, type, budget, res, info);
    if (st == DNS_FOUND)
        st = classify(*res, info);
    if (st != DNS_FOUND) {
        dnscache_result_free(res);
        *res = NULL;
    }
    return st;
}

/* ---- answers ---- */

/* A wire-format name (uncompressed, as libunbound hands rdata over) as
 * lower-case text without trailing dot; NULL unless every label is letters,
 * digits, '-' or '_' (a PTR answer is not trusted to be a host name). */
static char *host_name_of(const unsigned char *p, size_t len)
{
    str_t s;
    size_t i = 0;
    char *name;

    str_init(&s);
    while (i < len && p[i] != 0) {
        size_t n = p[i++];

        if (n > 63 || i + n > len || s.len + n + 1 > DNS_MAX_NAME + 1)
            goto bad;
        if (s.len > 0)
            str_append_char(&s, '.');
        for (size_t k = 0; k < n; k++) {
            int c = tolower(p[i + k]);

            if (!isalnum(c) && c != '-' && c != '_')
                goto bad;
            str_append_char(&s, (char)c);
        }
        i += n;
    }
    if (i >= len || s.len == 0 || s.len > DNS_MAX_NAME)
        goto bad;
    name = str_steal(&s);
    return name;
bad:
    str_free(&s);
    return NULL;
}

/* A wire-format name as text for dns_lookup(): labels joined by '.', ASCII
 * letters lower-cased, any other byte kept as it is; NULL when a label
 * holds a '.' or a NUL (no text form without escapes) or the name is empty
 * or too long. */
static char *any_name_of(const unsigned char *p, size_t len)
{
    str_t s;
    size_t i = 0;

    str_init(&s);
    while (i < len && p[i] != 0) {
        size_t n = p[i++];

        if (n > 63 || i + n > len || s.len + n + 1 > DNS_MAX_NAME + 1 ||
            memchr(p + i, '.', n) != NULL || memchr(p + i, '\0', n) != NULL)
            goto bad;
        if (s.len > 0)
            str_append_char(&s, '.');
        for (size_t k = 0; k < n; k++)
            str_append_char(&s, (char)tolower(p[i + k]));
        i += n;
    }
    if (i >= len || s.len == 0 || s.len > DNS_MAX_NAME)
        goto bad;
    return str_steal(&s);
bad:
    str_free(&s);
    return NULL;
}

void dns_names_free(dns_names *n)
{
    for (size_t i = 0; i < DNS_MAX_PTR_NAMES; i++)
        mem_free(&n->name[i]);
    n->count = 0;
}

void dns_txts_free(dns_txts *t)
{
    for (size_t i = 0; i < DNS_MAX_TXT_RECORDS; i++)
        mem_free(&t->rec[i]);
    t->count = 0;
}

static void parse_ptr(const struct ub_result *res, dns_names *out)
{
    for (int i = 0; res->data[i] != NULL; i++) {
        char *name = host_name_of((const unsigned char *)res->data[i], (size_t)res->len[i]);

        if (name == NULL)
            continue;
        if (out->count == DNS_MAX_PTR_NAMES) {
            out->info.truncated = true;
            mem_free(&name);
            break;
        }
        out->name[out->count++] = name;
    }
}

static void parse_addrs(const struct ub_result *res, int family, dns_addrs *out)
{
    size_t want = family == AF_INET ? 4 : 16;

    for (int i = 0; res->data[i] != NULL; i++) {
        cidr_addr *a;

        if ((size_t)res->len[i] != want)
            continue;
        if (out->count == DNS_MAX_ADDRS) {
            out->info.truncated = true;
            break;
        }
        a = &out->addr[out->count++];
        memset(a->b, 0, sizeof a->b);
        if (family == AF_INET) {
            a->b[10] = a->b[11] = 0xff;
            memcpy(a->b + 12, res->data[i], 4);
        } else {
            memcpy(a->b, res->data[i], 16);
        }
    }
}

/* The character-strings of one TXT record joined; -1 if malformed or too big. */
static int join_txt(const unsigned char *p, size_t len, str_t *out)
{
    for (size_t i = 0; i < len;) {
        size_t n = p[i++];

        if (i + n > len || out->len + n > DNS_MAX_TXT_BYTES)
            return -1;
        str_append(out, p + i, n);
        i += n;
    }
    return 0;
}

static void parse_txt(const struct ub_result *res, dns_txts *out)
{
    for (int i = 0; res->data[i] != NULL; i++) {
        str_t s;

        str_init(&s);
        if (join_txt((const unsigned char *)res->data[i], (size_t)res->len[i], &s) < 0) {
            out->info.truncated = true;
            str_free(&s);
            continue;
        }
        if (out->count == DNS_MAX_TXT_RECORDS) {
            out->info.truncated = true;
            str_free(&s);
            break;
        }
        out->len[out->count] = s.len;
        out->rec[out->count++] = str_steal(&s);
    }
}

/* Found records that were all unusable count as "not found". */
static dns_status nothing_usable(dns_info *info)
{
    info->why = "no usable record in the answer";
    return DNS_NOTFOUND;
}

/* ---- lookups ---- */

void dns_reverse_name(const cidr_addr *a, str_t *out)
{
    static const char hex[] = "0123456789abcdef";

    if (cidr_addr_is_v4(a)) {
        str_printf(out, "%u.%u.%u.%u.in-addr.arpa.", a->b[15], a->b[14], a->b[13], a->b[12]);
        return;
    }
    for (int i = 15; i >= 0; i--) {
        str_append_char(out, hex[a->b[i] & 0xf]);
        str_append_char(out, '.');
        str_append_char(out, hex[a->b[i] >> 4]);
        str_append_char(out, '.');
    }
    str_append_cstr(out, "ip6.arpa.");
}

dns_status dns_ptr(dns *d, const cidr_addr *addr, dns_names *out)
{
    struct ub_result *res;
    dns_status st;
    str_t name;

    memset(out, 0, sizeof *out);
    str_init(&name);
    dns_reverse_name(addr, &name);
    st = query_type(d, name.buf, RR_PTR, NULL, &res, &out->info);
    str_free(&name);
    if (st != DNS_FOUND)
        return st;
    parse_ptr(res, out);
    dnscache_result_free(&res);
    return out->count > 0 ? DNS_FOUND : nothing_usable(&out->info);
}

dns_status dns_addrs_lookup(dns *d, const char *name, int family, dns_addrs *out)
{
    struct ub_result *res;
    dns_status st;

    memset(out, 0, sizeof *out);
    out->info.why = "";
    if (family != AF_INET && family != AF_INET6) {
        out->info.why = "bad address family";
        return DNS_PERMFAIL;
    }
    st = query_type(d, name, family == AF_INET ? RR_A : RR_AAAA, NULL, &res, &out->info);
    if (st != DNS_FOUND)
        return st;
    parse_addrs(res, family, out);
    dnscache_result_free(&res);
    return out->count > 0 ? DNS_FOUND : nothing_usable(&out->info);
}

dns_status dns_txt(dns *d, const char *name, dns_txts *out)
{
    struct ub_result *res;
    dns_status st;

    memset(out, 0, sizeof *out);
    st = query_type(d, name, RR_TXT, NULL, &res, &out->info);
    if (st != DNS_FOUND)
        return st;
    parse_txt(res, out);
    dnscache_result_free(&res);
    return out->count > 0 ? DNS_FOUND : nothing_usable(&out->info);
}

/* ---- budgets ---- */

dns_budget dns_budget_in(unsigned ms)
{
    return (dns_budget){.deadline_ns = ms == 0 ? 0 : now_ns() + (uint64_t)ms * 1000000u};
}

uint64_t dns_budget_left_ms(const dns_budget *b)
{
    uint64_t now;

    if (b == NULL || b->deadline_ns == 0)
        return UINT64_MAX;
    now = now_ns();
    return b->deadline_ns > now ? (b->deadline_ns - now) / 1000000u : 0;
}

bool dns_budget_spent(const dns_budget *b)
{
    return b != NULL && b->deadline_ns != 0 && b->deadline_ns <= now_ns();
}

/* ---- any type ---- */

void dns_answer_free(dns_answer *a)
{
    for (size_t i = 0; i < a->count; i++)
        mem_free(&a->rr[i].text);
    mem_free(&a->rr);
    a->count = 0;
}

/* One record's rdata into *rr; false when it is unusable (dropped). */
static bool rr_of(dns_type type, const unsigned char *p, size_t len, dns_rr *rr)
{
    str_t s;

    memset(rr, 0, sizeof *rr);
    switch (type) {
    case DNS_T_A:
    case DNS_T_AAAA:
        if (len != (type == DNS_T_A ? 4u : 16u))
            return false;
        if (type == DNS_T_A) {
            rr->addr.b[10] = rr->addr.b[11] = 0xff;
            memcpy(rr->addr.b + 12, p, 4);
        } else {
            memcpy(rr->addr.b, p, 16);
        }
        return true;
    case DNS_T_MX:
        if (len < 3)
            return false;
        rr->pref = (unsigned)p[0] << 8 | p[1];
        rr->text = any_name_of(p + 2, len - 2);
        break;
    case DNS_T_PTR:
        rr->text = any_name_of(p, len);
        break;
    case DNS_T_TXT:
        str_init(&s);
        if (join_txt(p, len, &s) < 0) {
            str_free(&s);
            return false;
        }
        rr->len = s.len;
        rr->text = str_steal(&s);
        return true;
    }
    if (rr->text == NULL)
        return false;
    rr->len = strlen(rr->text);
    return true;
}

static void parse_any(const struct ub_result *res, dns_type type, dns_answer *out)
{
    size_t n = 0;

    while (res->data[n] != NULL)
        n++;
    if (n > DNS_MAX_RRS) {
        n = DNS_MAX_RRS;
        out->info.truncated = true;
    }
    out->rr = mem_array(n ? n : 1, sizeof *out->rr);
    for (size_t i = 0; i < n; i++) {
        if (rr_of(type, (const unsigned char *)res->data[i], (size_t)res->len[i],
                  &out->rr[out->count]))
            out->count++;
        else if (type == DNS_T_TXT)
            out->info.truncated = true; /* as dns_txt(): a record we could not keep */
    }
}

dns_status dns_lookup(dns *d, const char *name, dns_type type, const dns_budget *budget,
                      dns_answer *out)
{
    struct ub_result *res;
    dns_status st;

    memset(out, 0, sizeof *out);
    out->info.why = "";
    if (type != DNS_T_A && type != DNS_T_AAAA && type != DNS_T_MX && type != DNS_T_PTR &&
        type != DNS_T_TXT) {
        out->info.why = "unsupported record type";
        return DNS_PERMFAIL;
    }
    st = query_type(d, name, (int)type, budget, &res, &out->info);
    if (st != DNS_FOUND)
        return st;
    parse_any(res, type, out);
    dnscache_result_free(&res);
    return out->count > 0 ? DNS_FOUND : nothing_usable(&out->info);
}

const char *dns_type_name(dns_type t)
{
    switch (t) {
    case DNS_T_A:
        return "A";
    case DNS_T_AAAA:
        return "AAAA";
    case DNS_T_MX:
        return "MX";
    case DNS_T_PTR:
        return "PTR";
    case DNS_T_TXT:
        return "TXT";
    }
    return "?";
}

const char *dns_status_name(dns_status s)
{
    static const char *const names[] = {"FOUND", "NOTFOUND", "TEMPFAIL", "PERMFAIL"};

    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static dns_status vt_ptr(void *ctx, const cidr_addr *addr, dns_names *out)
{
    return dns_ptr(ctx, addr, out);
}

static dns_status vt_addrs(void *ctx, const char *name, int family, dns_addrs *out)
{
    return dns_addrs_lookup(ctx, name, family, out);
}

static dns_status vt_txt(void *ctx, const char *name, dns_txts *out)
{
    return dns_txt(ctx, name, out);
}

static dns_status vt_lookup(void *ctx, const char *name, dns_type type, const dns_budget *budget,
                            dns_answer *out)
{
    return dns_lookup(ctx, name, type, budget, out);
}

void dns_cache_stats(dns *d, uint64_t *hits, uint64_t *misses)
{
    dnscache_stats(d->cache, hits, misses);
}

dns_resolver dns_resolver_of(dns *d)
{
    return (dns_resolver){
        .ctx = d, .ptr = vt_ptr, .addrs = vt_addrs, .txt = vt_txt, .lookup = vt_lookup};
}
