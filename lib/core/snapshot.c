/* snapshot.c - reference-counted configuration snapshots; see snapshot.h. */
#include "config.h"

#include "core/snapshot.h"

#include "core/mem.h"

void snapshot_holder_init(snapshot_holder *h)
{
    if (pthread_mutex_init(&h->lock, NULL) != 0)
        panic("snapshot: mutex init failed");
    h->current = NULL;
    h->generation = 0;
}

static void unref_locked(snapshot *s, snapshot **to_free)
{
    if (--s->refs == 0)
        *to_free = s;
}

static void destroy(snapshot *s)
{
    if (s == NULL)
        return;
    if (s->free_data)
        s->free_data(s->data);
    mem_free(&s);
}

unsigned long snapshot_publish(snapshot_holder *h, void *data, void (*free_data)(void *))
{
    snapshot *s = mem_zalloc(sizeof *s), *old = NULL;
    unsigned long gen;

    s->data = data;
    s->free_data = free_data;
    s->refs = 1; /* the holder's */
    s->lock = &h->lock;
    pthread_mutex_lock(&h->lock);
    s->generation = gen = ++h->generation;
    if (h->current)
        unref_locked(h->current, &old);
    h->current = s;
    pthread_mutex_unlock(&h->lock);
    destroy(old);
    return gen;
}

snapshot *snapshot_acquire(snapshot_holder *h)
{
    snapshot *s;

    pthread_mutex_lock(&h->lock);
    s = h->current;
    if (s)
        s->refs++;
    pthread_mutex_unlock(&h->lock);
    return s;
}

void snapshot_release(snapshot **sp)
{
    snapshot *s = *sp, *old = NULL;

    if (s == NULL)
        return;
    *sp = NULL;
    pthread_mutex_lock(s->lock);
    unref_locked(s, &old);
    pthread_mutex_unlock(s->lock);
    destroy(old);
}

void snapshot_holder_clear(snapshot_holder *h)
{
    snapshot *old = NULL;

    pthread_mutex_lock(&h->lock);
    if (h->current)
        unref_locked(h->current, &old);
    h->current = NULL;
    pthread_mutex_unlock(&h->lock);
    destroy(old);
}
