/*
 * kggen.h - the generate mode of milterkit-keygen: a new key file, its
 * TXT record as a zone-file line and as one string, and the dkim.keys
 * entry for milterkit.conf.
 */
#ifndef MK_KGGEN_H
#define MK_KGGEN_H

#include <stdbool.h>
#include <stdio.h>

#include "kgkey.h"

typedef struct kggen_args {
    const char *domain;
    const char *selector;   /* already validated */
    const char *dir;        /* directory for SELECTOR.private and SELECTOR.txt */
    kgkey_alg alg;
    int bits;               /* RSA only */
    bool testing;           /* t=y */
    bool no_subdomains;     /* t=s */
} kggen_args;

/*
 * Writes DIR/SELECTOR.private (PKCS#8 PEM, mode 0600) and DIR/SELECTOR.txt
 * (zone-file line), neither of which may exist yet, then prints the record
 * as one string and the dkim.keys entry to out.  Returns 0, or -1 with the
 * reason (naming the file) appended to why; on failure no file is left.
 */
int kggen_run(const kggen_args *args, FILE *out, str_t *why);

#endif
