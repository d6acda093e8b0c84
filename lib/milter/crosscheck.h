/*
 * crosscheck.h - checks across the sections of milterkit.conf for a legal
 * configuration that most likely does something else than meant: domain
 * names that disagree between the site, masq, relay and dkim sections
 * (masq.as = "exmaple.net" passes every section's own check).
 *
 * They give warnings, never errors: the daemons print them with -n and log
 * them at start and reload (daemon_conf.warnings), and start anyway.  Each
 * is one line "FILE:LINE: key: warning: message".
 *
 * The part that owns the concern runs the check from its prepare():
 * milterkit-dkim, which signs.  Other sections are read from the file with
 * cfg_peek_strlist(), so that another part's errors do not stop the check.
 * Not thread-safe (reads the config file, like cfg_load).
 */
#ifndef MK_CROSSCHECK_H
#define MK_CROSSCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "milter/site.h"

/* What milterkit-dkim signs with: the domain of each dkim.keys entry. */
typedef struct crosscheck_keys {
    const char *const *domains; /* count domains, in dkim.keys order */
    size_t count;
    bool sign_subdomains;       /* dkim.sign_subdomains */
} crosscheck_keys;

/*
 * Appends to warnings (config file path, its site section loaded):
 *   - when no key signs the domain that trusted mail is masqueraded to
 *     (masq.as), or site.domain: such mail leaves unsigned;
 *   - for each key domain that is none of the domains this site sends as
 *     (site.domain, site.hostname, masq.as, relay.local_domains,
 *     relay.relay_domains, or a parent or subdomain of one).
 * Names compare without regard to case and one trailing dot.
 */
void crosscheck_signing(const char *path, const site_settings *site, const crosscheck_keys *keys,
                        str_t *warnings);

#endif
