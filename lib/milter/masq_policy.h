/*
 * masq_policy.h - what milterkit-masq does to one message, built once per
 * config from the "masq" and "site" sections (domains file and generics
 * map read here), then shared read-only by all connections.
 */
#ifndef MK_MASQ_POLICY_H
#define MK_MASQ_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "milter/daemon.h"
#include "core/str.h"

typedef enum masq_result {
    MASQ_UNCHANGED,
    MASQ_CHANGED,   /* the new value is in out */
    MASQ_MALFORMED, /* left untouched; *why says why */
    MASQ_FAILED,    /* the generics map failed: the message gets masq.on_error */
} masq_result;

typedef struct masq_policy masq_policy;

/* daemon_part hooks: build / free c->runtime. */
int masq_policy_prepare(daemon_conf *c, str_t *errors);
void masq_policy_release(daemon_conf *c);

/* Whether a header of this name is one the policy may rewrite. */
bool masq_policy_wants_header(const masq_policy *p, const char *name);
/* Rewrites a header value (leading space kept); out receives the new value. */
masq_result masq_policy_header(const masq_policy *p, const char *value, size_t len, str_t *out,
                               const char **why);
/* Rewrites the envelope sender as given in MAIL FROM ("<user@host>"). */
masq_result masq_policy_envelope(const masq_policy *p, const char *sender, size_t len, str_t *out,
                                 const char **why);

#endif
