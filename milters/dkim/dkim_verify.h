/*
 * dkim_verify.h - DKIM verification of one message with libopendkim, and
 * the RFC verdict of each signature.
 *
 * One verifier per config (dkim_verifier_new, from the policy's prepare());
 * one dkim_vmsg per message.  Headers are given as libmilter hands them
 * (SMFIP_HDR_LEADSPC values, folds joined by "\n"); the body is streamed in
 * chunks and never kept.  Keys come from the lookup function the verifier
 * was made with (the policy's key source: lib/dns or a test file), called
 * from libopendkim's key lookup hook.  At most max_signatures signatures
 * are evaluated; the others are counted as not evaluated.
 *
 * Beyond what libopendkim decides, each signature gets (RFC 6376, RFC 8301):
 *   permerror  a=rsa-sha1 (historic, RFC 8301 3.1: "permanently failed
 *              evaluation"); a tag that occurs twice in the signature or in
 *              the key record (3.2); a q= with no method we know (dns/txt,
 *              3.5); a key RRset of more than one record (3.6.2.2 leaves the
 *              choice to us: the one deterministic answer);
 *   policy     an RSA key under min_key_bits; a key with t=y ("testing",
 *              3.6.1: not to be treated differently from unsigned mail), with
 *              a reason saying the signature verified;
 *   pass       with a reason "l= leaves N of M body bytes unsigned" when the
 *              body has a tail after what l= covers, or policy with that
 *              reason when settings unsigned_tail is "policy".
 * The checks that need no key (rsa-sha1, duplicated tags, q=) are made
 * before any DNS query.
 *
 * Thread-safety: a verifier is shared by all threads; a dkim_vmsg has one
 * owner.
 */
#ifndef MK_DKIM_VERIFY_H
#define MK_DKIM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "dkim_settings.h"
#include "dns/dns.h"

/* RFC 8601 result values of the dkim method. */
typedef enum dkim_res {
    DKIM_RES_NONE,
    DKIM_RES_PASS,
    DKIM_RES_FAIL,
    DKIM_RES_NEUTRAL,
    DKIM_RES_POLICY,
    DKIM_RES_TEMPERROR,
    DKIM_RES_PERMERROR,
} dkim_res;

/* One evaluated signature; strings owned by the dkim_vmsg (may be NULL). */
typedef struct dkim_vresult {
    dkim_res res;
    const char *d, *a, *s;
    const char *i;      /* i= decoded from dkim-quoted-printable (as written
                           when it does not decode to printable ASCII) */
    const char *b8;     /* first 8 characters of b= */
    const char *reason; /* why it is not a plain pass; NULL for one */
    bool testing;       /* the key says t=y: the result must not count */
} dkim_vresult;

/* "pass", "fail", ... */
const char *dkim_res_name(dkim_res r);

/*
 * Where keys come from: every TXT record of name
 * ("sel._domainkey.example.net") in out, as dns_txt() fills it (records
 * owned by out; the caller frees them with dns_txts_free()), and a four-way
 * status with out->info.why when not DNS_FOUND.  The query waits no longer
 * than budget allows (NULL: the per-query timeout only; a spent budget is
 * DNS_TEMPFAIL with DNS_WHY_BUDGET).  Called from any thread.
 */
typedef dns_status dkim_key_lookup_fn(void *ctx, const char *name, const dns_budget *budget,
                                      dns_txts *out);

typedef struct dkim_verifier dkim_verifier;

/*
 * A verifier for settings s (min_key_bits, max_signatures, unsigned_tail),
 * taking keys from lookup(lookup_ctx, ...).  s must outlive it.  Returns 0
 * with *out set, or -1 with errors appended.  Shared read-only by all
 * threads; free with dkim_verifier_free.
 */
int dkim_verifier_new(const dkim_settings *s, dkim_key_lookup_fn *lookup, void *lookup_ctx,
                      dkim_verifier **out, str_t *errors);
void dkim_verifier_free(dkim_verifier **vl);

typedef struct dkim_vmsg dkim_vmsg;

/* Starts a message; NULL (logged) when libopendkim fails: an internal error. */
dkim_vmsg *dkim_verify_start(dkim_verifier *vl, const char *qid);
/* Feeds one header field; returns -1 on an internal error. */
int dkim_verify_header(dkim_vmsg *v, const char *name, const char *value);
/* End of headers.  Returns 0, or -1 on an internal error. */
int dkim_verify_eoh(dkim_vmsg *v);
/* A body chunk.  Returns 0, or -1 on an internal error. */
int dkim_verify_body(dkim_vmsg *v, const unsigned char *data, size_t len);
/*
 * End of message: the results of the evaluated signatures in *res[0..*n)
 * (valid until dkim_verify_free), *skipped = signatures not evaluated.
 * *n == 0 and *skipped == 0: the message is unsigned.  The key lookups
 * (made here, one per signature) share budget (may be NULL; it must stay
 * valid during the call): a key not fetched within it is temperror.
 * Returns 0, or -1 on an internal error (logged).  Call it once.
 */
int dkim_verify_finish(dkim_vmsg *v, const dns_budget *budget, const dkim_vresult **res,
                       size_t *n, size_t *skipped);
/* Frees *v (may be NULL) and sets it to NULL. */
void dkim_verify_free(dkim_vmsg **v);

#endif
