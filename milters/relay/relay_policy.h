/*
 * relay_policy.h - what milterkit-relay knows about one config, built once
 * per config (access map, sender/login map, local and relay domains, a DNS
 * handle created on first use) and then shared read-only by all
 * connections; plus the pure helpers the callbacks decide with.
 */
#ifndef MK_RELAY_POLICY_H
#define MK_RELAY_POLICY_H

#include <stdbool.h>

#include "core/log.h"
#include "mail/access.h"
#include "milter/daemon.h"
#include "dns/dns.h"
#include "relay_settings.h"
#include "core/str.h"

typedef struct relay_policy relay_policy;

/* daemon_part hooks: build / free c->runtime.  prepare() loads the access
 * map and the sender_logins map (errors name file:line) and checks that the
 * DNS settings can be used; the DNS handle itself is created on first use,
 * after the daemon has forked.  prepare returns 0, or -1 with errors
 * appended. */
int relay_policy_prepare(daemon_conf *c, str_t *errors);
void relay_policy_release(daemon_conf *c);

/* The access map, or NULL when relay.access is not set. */
const access_map *relay_policy_access(const relay_policy *p);

/* The resolver on this config's DNS handle, created on the first call
 * (thread-safe).  Returns 0, or -1 with *error_r (static text) when the
 * handle cannot be created: callers treat that as a DNS temporary failure. */
int relay_policy_resolver(relay_policy *p, dns_resolver *out, const char **error_r);

typedef enum relay_rcpt_kind {
    RELAY_RCPT_LOCAL,   /* domain in local_domains (or site.domain/hostname), or no domain */
    RELAY_RCPT_RELAYED, /* domain in relay_domains (or below one) */
    RELAY_RCPT_REMOTE,  /* anything else, including source routes and %/! hacks */
} relay_rcpt_kind;

/* Classifies an envelope recipient as given at RCPT ("<user@dom>"). */
relay_rcpt_kind relay_policy_rcpt(const relay_policy *p, const char *rcpt);

typedef enum relay_sender_check {
    RELAY_SENDER_ALLOWED,  /* bound, or no binding configured, or null sender */
    RELAY_SENDER_MISMATCH, /* the login may not use this address */
    RELAY_SENDER_NO_LOGIN, /* the login is not in the map at all */
} relay_sender_check;

/* Whether login (the {auth_authen} value) may send as sender ("<a@b>"). */
relay_sender_check relay_policy_sender(const relay_policy *p, const char *login,
                                       const char *sender);

/* Helpers, exported for the unit tests. */
/* The bare address of an envelope argument: no <>, no source route,
 * surrounding blanks removed.  *routed is set when there was a route. */
void relay_addr_bare(const char *arg, str_t *out, bool *routed);
/* An envelope argument as the log writes it, whatever the client typed:
 * in angle brackets ("<a@b>", "<@r:a@b>", "<>"), blanks around removed,
 * made safe by log_safe().  Returns buf->s. */
const char *relay_addr_logged(log_safe_buf *buf, const char *arg);
/* Whether domain equals d or lies below it (case-insensitive, a trailing
 * dot on either ignored). */
bool relay_domain_within(const char *domain, const char *d);
/* Whether one item of a sender_logins value ("a@b" or "@b") allows addr. */
bool relay_sender_item_matches(const char *item, size_t len, const char *addr);

#endif
