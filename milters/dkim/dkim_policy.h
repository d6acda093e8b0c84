/*
 * dkim_policy.h - what milterkit-dkim knows for the life of one config,
 * built once by prepare() and shared read-only by all connections:
 *   - the signing keys, parsed once into EVP_PKEYs (lib/dkimkey), by domain;
 *   - the header lists and canonicalization of signatures;
 *   - the masquerade rewrite of the "masq" section (when present and
 *     dkim.masquerade_before_signing), the same lib/ rewrite milterkit-masq
 *     makes: milterkit-dkim makes it itself on the messages it signs (the
 *     rewrite is idempotent, so milterkit-masq attached before or after
 *     changes nothing more), never a prediction of someone else's edit;
 *   - the verifier's library handle (dkim_verify.h);
 *   - the key source for verification: DNS through lib/dns (its handle made
 *     on first use, after the daemon forked), or a file for tests.
 */
#ifndef MK_DKIM_POLICY_H
#define MK_DKIM_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "milter/daemon.h"
#include "dkim/dkimcanon.h"
#include "dkim/dkimkey.h"
#include "dkim/dkimsign.h"
#include "dns/dns.h"
#include "dkim_settings.h"
#include "dkim_verify.h"
#include "core/str.h"

/* Most signatures made for one message (one per selector of the domain). */
#define DKIM_POLICY_MAX_SIGNERS 4

typedef struct dkim_signer {
    const char *domain;   /* d= (from the config) */
    const char *selector; /* s= */
    dkimkey_t *key;
} dkim_signer;

typedef struct dkim_policy dkim_policy;

/* daemon_part hooks: build / free c->runtime (a dkim_policy).  prepare
 * returns 0, or -1 with one error per line appended to errors. */
int dkim_policy_prepare(daemon_conf *c, str_t *errors);
void dkim_policy_release(daemon_conf *c);

const dkim_settings *dkim_policy_settings(const dkim_policy *p);
const site_settings *dkim_policy_site(const dkim_policy *p);
/* The verifier of this config (keys from dkim_policy_key_lookup). */
dkim_verifier *dkim_policy_verifier(const dkim_policy *p);

/*
 * The keys that sign mail whose From domain is domain (len bytes, case
 * ignored, one trailing dot ignored): those of the domain itself, else,
 * with sign_subdomains, those of the nearest parent that has keys.  Fills
 * out[0..] (at most DKIM_POLICY_MAX_SIGNERS) and returns how many (0: none).
 */
size_t dkim_policy_signers(const dkim_policy *p, const char *domain, size_t len,
                           const dkim_signer **out);

/* Signature parameters (lists, canonicalization, expiry) for one signer. */
void dkim_policy_sign_params(const dkim_policy *p, const dkim_signer *k, dkimsign_params_t *out);
dkimcanon_t dkim_policy_body_canon(const dkim_policy *p);

/* Whether a masquerade rewrite is configured (a "masq" section with
 * masquerade_before_signing). */
bool dkim_policy_masquerades(const dkim_policy *p);
/* Whether local (len bytes) is one of masq.exposed_users (false without
 * masquerading). */
bool dkim_policy_exposed_user(const dkim_policy *p, const char *local, size_t len);

/*
 * The masquerade rewrite of a header value before signing.  Returns 1 and
 * the new value in out when it changes, 0 when it stays as is (also when
 * no masquerading is configured, or the value is malformed), -1 when the
 * rewrite failed (a generics map failure; *why set).
 */
int dkim_policy_masquerade(const dkim_policy *p, const char *name, const char *value, str_t *out,
                           const char **why);

/*
 * The TXT records of name ("sel._domainkey.example.net") from the key
 * source of policy p (a dkim_policy *; a dkim_key_lookup_fn): all of them,
 * in out, as dns_txt() gives them (at most DNS_MAX_TXT_RECORDS, more set
 * info.truncated), within budget (NULL: the per-query timeout only); the
 * key_source file has one per name and ignores the budget.
 * Returns DNS_FOUND, or another dns_status with out->info.why saying why
 * (static).  Thread-safe.
 */
dns_status dkim_policy_key_lookup(void *p, const char *name, const dns_budget *budget,
                                  dns_txts *out);

/*
 * The resolver SPF and DMARC query (lib/dns on site.dns, whatever
 * key_source says), its handle made on first use; NULL when it cannot be
 * made (logged once): the caller reports a temporary failure.
 * Thread-safe; valid for the life of p.
 */
const dns_resolver *dkim_policy_resolver(dkim_policy *p);

#endif
