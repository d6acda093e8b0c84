/*
 * ck_access.h - can a given user (the MTA's: Postfix's mail_owner, or
 * sendmail's RunAsUser, else root) connect to a unix socket?  Computed from
 * stat() and the user's groups, without becoming that user: connecting
 * needs search (x) permission on every directory of the socket's real path
 * and write (w) permission on the socket itself.  The same for a file the
 * user must read (read permission on it).  The user's groups are
 * its primary group and the groups that list it (what initgroups() gives a
 * process that drops to it; Postfix's daemons do so).
 * Reentrant, except that getpwnam/getgrouplist read the system's databases.
 */
#ifndef MK_CK_ACCESS_H
#define MK_CK_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/str.h"

typedef struct ck_user {
    char *name;
    uid_t uid;
    gid_t gid;
    char *group;    /* name of the primary group (or its number) */
    gid_t *groups;  /* the primary group and every supplementary group */
    size_t ngroups;
} ck_user;

/* Looks name up.  Returns 0, or -1 with a message appended to why. */
int ck_user_lookup(const char *name, ck_user *u, str_t *why);
/* A user with these ids and groups, without a lookup (tests). */
void ck_user_make(ck_user *u, const char *name, uid_t uid, gid_t gid, const gid_t *groups,
                  size_t ngroups);
void ck_user_free(ck_user *u);
bool ck_user_in_group(const ck_user *u, gid_t gid);

typedef enum ck_access_status {
    CK_ACCESS_OK,
    CK_ACCESS_DENIED,  /* problem names the path and the bit missing */
    CK_ACCESS_MISSING, /* the socket (or a directory) does not exist */
    CK_ACCESS_ERROR,   /* cannot tell: stat failed otherwise, not a socket */
} ck_access_status;

typedef struct ck_access_result {
    ck_access_status status;
    str_t where;    /* the path that denies (or is missing) */
    bool directory; /* where is a directory (search needed), or the file itself */
    mode_t mode;    /* where's permission bits */
    uid_t owner;
    gid_t group;
    str_t why;      /* a sentence for the report */
} ck_access_result;

void ck_access_result_init(ck_access_result *r);
void ck_access_result_free(ck_access_result *r);

/* Judges the socket at path (absolute) for u: search on its directories,
 * write on it, and it must be a socket.  Fills r and returns r->status. */
ck_access_status ck_access_unix(const ck_user *u, const char *path, ck_access_result *r);

/* The same for reading a regular file (a key): search on its directories,
 * read on it.  Returns r->status. */
ck_access_status ck_access_read(const ck_user *u, const char *path, ck_access_result *r);

#endif
