/*
 * masq_policy.h - the masquerade rewrite of one config, built once from the
 * "masq" and "site" sections (domains file and generics map read here), then
 * shared read-only by all connections: milterkit-masq applies it, and
 * milterkit-dkim applies the same rewrite before it signs.
 */
#ifndef MK_MASQ_POLICY_H
#define MK_MASQ_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "milter/masq_settings.h"
#include "milter/site.h"

typedef enum masq_result {
    MASQ_UNCHANGED,
    MASQ_CHANGED,   /* the new value is in out */
    MASQ_MALFORMED, /* left untouched; *why says why */
    MASQ_FAILED,    /* the generics map failed: the message gets masq.on_error */
} masq_result;

typedef struct masq_policy masq_policy;

/*
 * Builds the policy of settings s (the "masq" section) for site.  s and site
 * must outlive it.  conf_path is the config file, named with the line of
 * the key in errors about the maps ("FILE:LINE: masq.generics: ...").
 * Returns 0 with *out set, or -1 with one error per line appended.
 */
int masq_policy_new(const masq_settings *s, const site_settings *site, const char *conf_path,
                    masq_policy **out, str_t *errors);
/* Frees *p (may be NULL) and sets it to NULL. */
void masq_policy_free(masq_policy **p);

/* Whether a header of this name is one the policy may rewrite. */
bool masq_policy_wants_header(const masq_policy *p, const char *name);
/* Rewrites a header value (leading space kept).  Returns MASQ_CHANGED with
 * the new value appended to out, MASQ_UNCHANGED, MASQ_MALFORMED (left as
 * it is; *why says why) or MASQ_FAILED (the generics map failed; *why). */
masq_result masq_policy_header(const masq_policy *p, const char *value, size_t len, str_t *out,
                               const char **why);
/* Rewrites the envelope sender as given in MAIL FROM ("<user@host>").
 * Returns as masq_policy_header() does. */
masq_result masq_policy_envelope(const masq_policy *p, const char *sender, size_t len, str_t *out,
                                 const char **why);

#endif
