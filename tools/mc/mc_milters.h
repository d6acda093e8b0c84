/*
 * mc_milters.h - the three milters to attach, in order (relay, masq, dkim),
 * with the socket each daemon listens on, read from its own section of
 * milterkit.conf.
 *
 * Only the `socket` key of each section is read, with libconfig directly:
 * lib/cfg rejects unknown keys by design, and re-declaring the daemons'
 * whole schemas here would duplicate them.  A section missing from the file
 * means that daemon is not configured: it is left out (and reported).
 */
#ifndef MK_MC_MILTERS_H
#define MK_MC_MILTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

#define MC_MILTERS 3

typedef struct mc_milter {
    const char *name;    /* "relay", "masq", "dkim" */
    bool present;        /* its section is in the file */
    char *socket;        /* libmilter syntax; owned */
} mc_milter;

typedef struct mc_milters {
    mc_milter m[MC_MILTERS]; /* in the order the MTA must call them */
} mc_milters;

/* Reads the sockets from path.  Returns 0, or -1 with messages appended to
 * errors (FILE:LINE: key: message).  Free with mc_milters_free(). */
int mc_milters_read(const char *path, mc_milters *out, str_t *errors);
void mc_milters_free(mc_milters *ms);

/* The socket in Postfix's syntax (unix:PATH, inet:HOST:PORT,
 * inet:[V6]:PORT), appended to out.  A unix socket below queue_dir (the
 * chroot) is written relative to it, so chrooted and non-chrooted Postfix
 * processes both reach it; *outside_chroot tells when it is not. */
void mc_milters_postfix_socket(const char *socket, const char *queue_dir, str_t *out,
                               bool *outside_chroot);

#endif
