/*
 * dkim_auth.h - SPF (RFC 7208) and DMARC (RFC 9989) of one inbound
 * message, beside its DKIM verification, with lib/auth's engines, and what
 * the DMARC verdict asks milterkit-dkim to do.
 *
 * Only for mail of untrusted origin (trusted and authenticated mail is
 * signed, never judged).  At MAIL FROM (dkim_auth_begin):
 *   - a client in dkim.trusted_relays (a backup MX forwarding mail) is not
 *     judged: no SPF (its address says nothing of the sender's domain), no
 *     DMARC, never refused; its mail keeps its DKIM results;
 *   - otherwise SPF checks the HELO and MAIL FROM identities (for "<>" the
 *     MAIL FROM identity is postmaster@HELO: one check), with the lookup
 *     limits of dkim.spf.
 * The From header fields are collected as they come (dkim_auth_from), all
 * of them, each within dkim.max_header_size.  At end of message
 * (dkim_auth_dmarc) DMARC evaluates every From domain with the SPF result
 * and domain of the MAIL FROM identity and the DKIM results (d= and
 * whether it passed, or failed temporarily).
 *
 * Time: one budget of dkim.dns_budget seconds per message bounds all of
 * its DNS waiting: SPF at MAIL FROM, then the DKIM key lookups and DMARC at
 * end of message share what SPF left (dkim_auth_resume).  The time the
 * client takes to send the message between the two is not counted: a
 * large message on a slow link is not cut short.  Once the budget is spent
 * every lookup answers temperror at once.
 *
 * The Authentication-Results parts (dkim_auth_ar_spf, dkim_auth_ar_dmarc)
 * are written with dkim_ar's writer; dkim_auth_decide applies
 * dkim.dmarc's actions.
 *
 * A dkim_auth belongs to one message (one thread); zero it before
 * dkim_auth_begin, release it with dkim_auth_end.  Nothing is logged here
 * but a DNS resolver that cannot be set up (dkim_policy).
 */
#ifndef MK_DKIM_AUTH_H
#define MK_DKIM_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dmarc.h"
#include "auth/spf.h"
#include "core/cidr.h"
#include "core/str.h"
#include "dkim_policy.h"
#include "dkim_verify.h"
#include "dns/dns.h"

typedef struct dkim_auth {
    bool relay;          /* client in dkim.trusted_relays: not judged */
    bool spf_done;       /* spf holds a verdict */
    const char *spf_why; /* SPF not evaluated: why (static), else NULL */
    spf_verdict spf;
    char *helo;      /* as the client sent it ("" if none; owned) */
    char *mail_from; /* the address without <> ("" for the null sender; owned) */
    bool null_sender;
    char **from; /* From field values (owned) */
    size_t nfrom;
    bool from_dropped; /* a From field was too large to keep */
    bool dmarc_done;
    dmarc_verdict dmarc;
    uint64_t left_ns;    /* of the message's DNS budget */
    uint64_t resumed_ns; /* when dkim_auth_resume started the clock */
    dns_budget budget;
} dkim_auth;

/*
 * MAIL FROM of a message of untrusted origin: client (NULL when the MTA
 * gave no address), the HELO name (NULL or "" if none) and MAIL FROM
 * (argv[0] of xxfi_envfrom) are kept; SPF runs now unless the client is a
 * trusted relay or dkim.spf.enable is false.
 */
void dkim_auth_begin(dkim_auth *a, dkim_policy *p, const cidr_addr *client, const char *helo,
                     const char *mail_from);

/* One From header field value (as received); kept up to max_fields fields
 * of at most max_size bytes, else from_dropped is set. */
void dkim_auth_from(dkim_auth *a, const char *value, size_t max_fields, size_t max_size);

/* End of message: the budget for what the message has left of its DNS
 * time, for the DKIM key lookups and DMARC (valid until dkim_auth_end). */
const dns_budget *dkim_auth_resume(dkim_auth *a);

/*
 * DMARC of the message, when dkim.dmarc.enable and the client is no
 * trusted relay, with the DKIM results res[0..n) (NULL, 0: unsigned or not
 * evaluated), within the budget of dkim_auth_resume.
 */
void dkim_auth_dmarc(dkim_auth *a, dkim_policy *p, const dkim_vresult *res, size_t n);

/* The spf= results (MAIL FROM, then HELO), or nothing when SPF did not run
 * for a trusted relay or is disabled. */
void dkim_auth_ar_spf(const dkim_auth *a, str_t *out);
/* The dmarc= result, or nothing when DMARC did not run. */
void dkim_auth_ar_dmarc(const dkim_auth *a, str_t *out);
/* " (trusted relay: ...)" after the authserv-id for a trusted relay. */
void dkim_auth_ar_note(const dkim_auth *a, str_t *out);

typedef enum dkim_auth_action {
    DKIM_AUTH_ACCEPT,     /* annotate only */
    DKIM_AUTH_REJECT,     /* 550 5.7.1 */
    DKIM_AUTH_QUARANTINE, /* the MTA's quarantine, and annotate */
    DKIM_AUTH_TEMPFAIL,   /* 451 4.4.3 (dmarc=temperror, on_temperror = "tempfail") */
} dkim_auth_action;

/*
 * What dkim.dmarc's settings make of the verdict: a failure under an
 * applied p=reject gets on_policy_reject, under p=quarantine
 * on_policy_quarantine (t=y has already lowered the policy by one step), a
 * temperror on_temperror; anything else, and mail DMARC did not judge, is
 * accepted.  text gets the reply text for REJECT and TEMPFAIL, naming the
 * domain, or the quarantine reason.
 */
dkim_auth_action dkim_auth_decide(const dkim_auth *a, const dkim_settings *s, str_t *text);
/* "accept", "reject", "quarantine", "tempfail". */
const char *dkim_auth_action_name(dkim_auth_action act);

/* For the log line of the message: " spf=R" (the MAIL FROM identity),
 * " dmarc=R dmarc_domain=D dmarc_policy=P" (the policy to apply, for a
 * fail), or " relay=yes" for a trusted relay; what did not run is left
 * out.  Plain key=value words: the A-R field itself may be cut short in
 * the log. */
void dkim_auth_log_fields(const dkim_auth *a, str_t *out);

/* The domain that decided DMARC (or the first From domain), or NULL. */
const char *dkim_auth_dmarc_domain(const dkim_auth *a);

void dkim_auth_end(dkim_auth *a);

#endif
