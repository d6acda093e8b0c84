/*
 * kgcheck.h - the --check mode of milterkit-keygen: is the key record
 * published at SELECTOR._domainkey.DOMAIN the public half of a key file?
 *
 * Results double as the program's exit codes (documented in
 * milterkit-keygen(8)).  No global state; reentrant.
 */
#ifndef MK_KGCHECK_H
#define MK_KGCHECK_H

#include <stddef.h>
#include <stdio.h>

#include "dkim/dkimkey.h"
#include "core/str.h"

typedef enum kgcheck_result {
    KGCHECK_MATCH = 0,     /* published and matching */
    KGCHECK_DIFFERENT = 1, /* published, but another key (or revoked, or unusable) */
    KGCHECK_ABSENT = 2,    /* no such name, or no TXT record there */
    KGCHECK_DNS_ERROR = 3, /* the lookup failed: try again later */
    KGCHECK_MALFORMED = 4, /* a TXT record is there but is no valid key record */
    KGCHECK_ERROR = 5,     /* local trouble: key file, configuration */
} kgcheck_result;

typedef struct kgcheck_args {
    const char *domain, *selector, *keyfile;
    char **servers;   /* "ADDR[@PORT]" forwarders; none: the system resolver */
    size_t nservers;
    long timeout;     /* seconds */
    /* site.user and site.group, whom the key file rule judges the key for
     * (see dkimkey.h); user NULL: "milterkit", the default of site.user. */
    const char *user, *group;
} kgcheck_args;

/*
 * Judges the TXT records found (n records, txt[i] of len[i] bytes, the
 * strings of each already concatenated) against key.  Appends a one-line
 * verdict per record, and a summary, to msg.  A record that matches wins
 * over others; else a well-formed different one; else malformed.
 * n must be at least 1.  Returns the verdict (KGCHECK_*).
 */
kgcheck_result kgcheck_judge(const char *const *txt, const size_t *len, size_t n,
                             const dkimkey_t *key, str_t *msg);

/*
 * Loads the key file (warning on stderr when milterkit-dkim would refuse
 * it under the key file rule of dkimkey.h), looks the
 * record up through lib/dns and judges it; prints the verdict to out.
 * Returns the verdict; KGCHECK_ERROR with the problem appended to why
 * (naming the file).
 */
kgcheck_result kgcheck_run(const kgcheck_args *args, FILE *out, str_t *why);

#endif
