/*
 * ck_sock.h - milter socket addresses as the daemons, sendmail and Postfix
 * write them, reduced to one form so that they can be compared: does the
 * MTA connect where the daemon listens?
 *
 *   daemons, sendmail:  unix:/PATH  local:/PATH  inet:PORT[@HOST]
 *                       inet6:PORT[@HOST]   (HOST may be [ADDR])
 *   Postfix:            unix:PATH  local:PATH  inet:HOST:PORT  inet:[ADDR]:PORT
 *
 * A Postfix unix path is resolved as a Postfix daemon sees it: a relative
 * one below the queue directory (its working directory), an absolute one
 * below the queue directory too when the daemon runs chrooted there.
 * Pure functions over the given text; reentrant.
 */
#ifndef MK_CK_SOCK_H
#define MK_CK_SOCK_H

#include <stdbool.h>

#include "core/str.h"

typedef enum ck_sock_kind { CK_SOCK_UNIX, CK_SOCK_INET } ck_sock_kind;

typedef struct ck_sock {
    ck_sock_kind kind;
    char *path;    /* CK_SOCK_UNIX: absolute, as on the host */
    char *host;    /* CK_SOCK_INET: lower case, no brackets; NULL: any address */
    unsigned port; /* CK_SOCK_INET: 1..65535 */
} ck_sock;

/* Parses the daemons' and sendmail's form.  Returns 0, or -1 with *error_r
 * set.  Free with ck_sock_free(). */
int ck_sock_parse_milter(const char *spec, ck_sock *out, const char **error_r);

/* Parses Postfix's form, resolving a unix path for a Postfix daemon whose
 * working directory (and chroot, when chroot) is queue_dir.  Returns as
 * ck_sock_parse_milter() does. */
int ck_sock_parse_postfix(const char *spec, const char *queue_dir, bool chroot, ck_sock *out,
                          const char **error_r);

/* True when an MTA connecting to theirs reaches a daemon listening on
 * ours: same path; or same port and a host that the daemon listens on
 * (any host when ours has none; "localhost" counts as 127.0.0.1 and ::1;
 * addresses compared as addresses). */
bool ck_sock_same(const ck_sock *ours, const ck_sock *theirs);

/* Appends ours in Postfix's syntax (relative to queue_dir when below it). */
void ck_sock_postfix_form(const ck_sock *ours, const char *queue_dir, str_t *out);

void ck_sock_free(ck_sock *s);

#endif
