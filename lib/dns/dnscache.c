/* dnscache.c - answers kept for their TTL; see dnscache.h. */
#include "config.h"

#include "dns/dnscache.h"

#include "core/mem.h"
#include "core/str.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define LOCKS 16
#define RCODE_NOERROR 0
#define RCODE_NXDOMAIN 3

typedef struct entry {
    char *key; /* "TYPE/name", lower case, no trailing dot */
    uint64_t expires_ns;
    struct ub_result *res;
} entry;

struct dnscache {
    size_t nslots;
    unsigned max_ttl;
    entry *slots;
    pthread_mutex_t locks[LOCKS];
    atomic_uint_fast64_t hits, misses;
};

dnscache *dnscache_new(size_t slots, unsigned max_ttl)
{
    dnscache *c = mem_zalloc(sizeof *c);

    c->nslots = slots ? slots : DNSCACHE_SLOTS;
    c->max_ttl = max_ttl ? max_ttl : DNSCACHE_MAX_TTL;
    c->slots = mem_array(c->nslots, sizeof *c->slots);
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return c;
}

void dnscache_free(dnscache **cp)
{
    dnscache *c = *cp;

    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nslots; i++) {
        mem_free(&c->slots[i].key);
        dnscache_result_free(&c->slots[i].res);
    }
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_destroy(&c->locks[i]);
    mem_free(&c->slots);
    mem_free(cp);
}

struct ub_result *dnscache_copy(const struct ub_result *res)
{
    struct ub_result *r = mem_zalloc(sizeof *r);
    size_t n = 0;

    while (res->data != NULL && res->data[n] != NULL)
        n++;
    r->qtype = res->qtype;
    r->qclass = res->qclass;
    r->rcode = res->rcode;
    r->havedata = res->havedata;
    r->nxdomain = res->nxdomain;
    r->secure = res->secure;
    r->bogus = res->bogus;
    r->ttl = res->ttl;
    r->data = mem_array(n + 1, sizeof *r->data);
    r->len = mem_array(n + 1, sizeof *r->len);
    for (size_t i = 0; i < n; i++) {
        size_t len = res->len[i] > 0 ? (size_t)res->len[i] : 0;

        r->data[i] = mem_alloc(len ? len : 1);
        memcpy(r->data[i], res->data[i], len);
        r->len[i] = (int)len;
    }
    return r;
}

void dnscache_result_free(struct ub_result **rp)
{
    struct ub_result *r = *rp;

    if (r == NULL)
        return;
    for (size_t i = 0; r->data != NULL && r->data[i] != NULL; i++)
        mem_free(&r->data[i]);
    mem_free(&r->data);
    mem_free(&r->len);
    mem_free(rp);
}

/* "TYPE/name" in lower case, without one trailing dot. */
static void make_key(const char *name, int type, str_t *key)
{
    size_t n = strlen(name);

    if (n > 0 && name[n - 1] == '.')
        n--;
    str_printf(key, "%d/", type);
    for (size_t i = 0; i < n; i++)
        str_append_char(key, (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]));
}

/* FNV-1a. */
static size_t slot_of(const dnscache *c, const str_t *key)
{
    uint64_t h = 14695981039346656037u;

    for (size_t i = 0; i < key->len; i++)
        h = (h ^ (unsigned char)key->buf[i]) * 1099511628211u;
    return (size_t)(h % c->nslots);
}

struct ub_result *dnscache_get(dnscache *c, const char *name, int type, uint64_t now_ns)
{
    struct ub_result *copy = NULL;
    str_t key;
    size_t i;
    entry *e;

    str_init(&key);
    make_key(name, type, &key);
    i = slot_of(c, &key);
    e = &c->slots[i];
    pthread_mutex_lock(&c->locks[i % LOCKS]);
    if (e->key != NULL && strcmp(e->key, key.buf) == 0 && e->expires_ns > now_ns)
        copy = dnscache_copy(e->res);
    pthread_mutex_unlock(&c->locks[i % LOCKS]);
    str_free(&key);
    atomic_fetch_add(copy != NULL ? &c->hits : &c->misses, 1);
    return copy;
}

static bool keepable(const struct ub_result *res)
{
    size_t bytes = 0;

    if (res->bogus || res->ttl <= 0 || res->data == NULL ||
        (res->rcode != RCODE_NOERROR && res->rcode != RCODE_NXDOMAIN))
        return false;
    for (size_t i = 0; res->data[i] != NULL; i++)
        if ((bytes += res->len[i] > 0 ? (size_t)res->len[i] : 0) > DNSCACHE_MAX_BYTES)
            return false;
    return true;
}

void dnscache_put(dnscache *c, const char *name, int type, const struct ub_result *res,
                  uint64_t now_ns)
{
    unsigned ttl = (unsigned)res->ttl < c->max_ttl ? (unsigned)res->ttl : c->max_ttl;
    struct ub_result *copy, *old;
    char *old_key;
    str_t key;
    size_t i;
    entry *e;

    if (!keepable(res))
        return;
    copy = dnscache_copy(res);
    str_init(&key);
    make_key(name, type, &key);
    i = slot_of(c, &key);
    e = &c->slots[i];
    pthread_mutex_lock(&c->locks[i % LOCKS]);
    old = e->res;
    old_key = e->key;
    e->res = copy;
    e->key = str_steal(&key);
    e->expires_ns = now_ns + (uint64_t)ttl * 1000000000u;
    pthread_mutex_unlock(&c->locks[i % LOCKS]);
    mem_free(&old_key);
    dnscache_result_free(&old);
    str_free(&key);
}

void dnscache_stats(dnscache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = atomic_load(&c->hits);
    *misses = atomic_load(&c->misses);
}
