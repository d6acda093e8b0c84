/*
 * ck_conf.h - what milterkit-check needs from milterkit.conf: the site
 * section (through the loader every part uses, site_load()), and from the
 * other sections only the values the checks look at: each milter's socket
 * (and socket_group), the dkim keys, and the mta settings of milterkit-mc.
 *
 * The daemon sections are validated by the daemons themselves (their -n,
 * run by ck_parts); here they are only read, with libconfig, as
 * milterkit-mc reads the sockets: the daemons' schemas live in milters/,
 * which a tool may not include (lib/README).  Defaults (a missing socket,
 * the mta settings) are the daemons' and milterkit-mc's, repeated in the
 * tables of ck_conf.c.
 */
#ifndef MK_CK_CONF_H
#define MK_CK_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "milter/site.h"

#define CK_MILTERS 3

typedef struct ck_milter {
    const char *name;   /* "relay", "masq", "dkim": the order the MTA must call them */
    bool present;       /* its section is in the file */
    char *socket;       /* libmilter syntax; the daemon's default when unset */
    char *socket_group; /* NULL: unset */
} ck_milter;

typedef struct ck_key {
    char *domain, *selector, *path;
} ck_key;

typedef struct ck_conf {
    char *path;
    site_settings site;
    ck_milter milter[CK_MILTERS];
    ck_key *keys;
    size_t nkeys;
    /* mta (milterkit-mc's section) */
    char *flavor;          /* "sendmail" or "postfix" */
    char *config_dir;      /* NULL: the flavor's default */
    bool submission;       /* mta.submission.enable */
    long submission_port;
    char *smarthost;       /* NULL: none */
    bool postfix_chroot;
    char *queue_directory;
} ck_conf;

/*
 * Loads path.  Returns 0, or -1 with the errors (FILE:LINE: key: message)
 * appended to errors, when the file cannot be read or parsed, the site
 * section is wrong, or a value read here has the wrong type.  Free with
 * ck_conf_free().
 */
int ck_conf_load(const char *path, ck_conf *c, str_t *errors);
void ck_conf_free(ck_conf *c);

#endif
