/*
 * snapshot.h - a reference-counted, atomically replaced configuration.
 *
 * A holder points at the current snapshot.  Readers take a reference with
 * snapshot_acquire() (a message takes one at its start and keeps it until it
 * ends, so a reload never changes the config under a message in flight) and
 * drop it with snapshot_release().  snapshot_publish() swaps in a new,
 * fully validated snapshot; the old one is freed when its last reader lets
 * go.  All functions are thread-safe.
 */
#ifndef MK_SNAPSHOT_H
#define MK_SNAPSHOT_H

#include <pthread.h>

typedef struct snapshot {
    void *data;               /* the loaded configuration */
    void (*free_data)(void *);
    unsigned long generation; /* 1 for the first, +1 per reload */
    unsigned long refs;       /* guarded by the holder's lock */
    pthread_mutex_t *lock;
} snapshot;

typedef struct snapshot_holder {
    pthread_mutex_t lock;
    snapshot *current;
    unsigned long generation;
} snapshot_holder;

void snapshot_holder_init(snapshot_holder *h);
/* Takes ownership of data; returns the new generation number. */
unsigned long snapshot_publish(snapshot_holder *h, void *data, void (*free_data)(void *));
/* Returns the current snapshot with a reference, or NULL before the first publish. */
snapshot *snapshot_acquire(snapshot_holder *h);
/* Drops a reference (s may point at NULL) and sets *s to NULL. */
void snapshot_release(snapshot **s);
/* Releases the holder's own reference at shutdown. */
void snapshot_holder_clear(snapshot_holder *h);

#endif
