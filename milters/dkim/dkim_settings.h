/*
 * dkim_settings.h - the "dkim" section of milterkit.conf: its schema and the
 * struct it fills.  Defaults are in the schema table of dkim_settings.c and
 * documented in milterkit.conf(5) and milterkit-dkim(8).
 */
#ifndef MK_DKIM_SETTINGS_H
#define MK_DKIM_SETTINGS_H

#include <stdbool.h>

#include "core/cfg.h"
#include "core/cidr.h"
#include "milter/site.h"

/* One entry of dkim.keys. */
typedef struct dkim_key_settings {
    char *domain;    /* d= */
    char *selector;  /* s= */
    char *key;       /* private key file */
    char *algorithm; /* "rsa" / "ed25519" / NULL: must match the key when set */
} dkim_key_settings;

/* What a DMARC failure under a policy gets (dkim.dmarc.on_policy_reject,
 * dkim.dmarc.on_policy_quarantine). */
enum { DKIM_DMARC_ANNOTATE, DKIM_DMARC_REJECT, DKIM_DMARC_QUARANTINE };

/* dkim.spf: SPF (RFC 7208) of inbound mail. */
typedef struct dkim_spf_settings {
    bool enable;
    long max_lookups;      /* DNS-querying terms per check (RFC 7208 4.6.4) */
    long max_void_lookups; /* void lookups per check (RFC 7208 4.6.4) */
} dkim_spf_settings;

/* dkim.dmarc: DMARC (RFC 9989) of inbound mail, and what it may do. */
typedef struct dkim_dmarc_settings {
    bool enable;
    int on_policy_reject;     /* a failure under p=reject: DKIM_DMARC_* */
    int on_policy_quarantine; /* a failure under p=quarantine: ANNOTATE / QUARANTINE */
    int on_temperror;         /* dmarc=temperror: SITE_ACCEPT / SITE_TEMPFAIL */
} dkim_dmarc_settings;

/* dkim.unsigned_tail: a verified signature whose l= leaves body bytes
 * unsigned is a policy result, or a pass (with the reason either way). */
enum { DKIM_TAIL_POLICY, DKIM_TAIL_PASS };

typedef struct dkim_settings {
    daemon_settings daemon;         /* must come first (daemon.h) */
    cfg_list keys;                  /* of dkim_key_settings */
    bool sign_subdomains;           /* a key of a parent domain signs subdomains */
    char *canonicalization;         /* "header/body", e.g. "relaxed/relaxed" */
    cfg_strlist sign_headers;       /* h= candidates ("List-*" wildcards) */
    cfg_strlist oversign_headers;   /* listed once more than they occur */
    long expire;                    /* x= = t= + expire; 0: no x= */
    long max_signatures;            /* signatures evaluated per message */
    long max_header_size;           /* bytes of one header field */
    long max_headers;               /* header fields per message */
    long min_key_bits;              /* smallest RSA key accepted when verifying */
    long max_body_rewrite;          /* bytes of body kept to replace bare CR/LF */
    bool check_key_permissions;     /* refuse keys others can read or replace */
    bool masquerade_before_signing; /* make the masq section's rewrite, sign it */
    int on_dns_error;               /* SITE_TEMPFAIL / SITE_ACCEPT (dkim=temperror) */
    int on_bad_signature;           /* SITE_ACCEPT / SITE_REJECT / SITE_TEMPFAIL */
    int on_unsignable;              /* trusted mail we cannot sign: SITE_TEMPFAIL /
                                       SITE_REJECT / SITE_ACCEPT (with a warning) */
    int unsigned_tail;              /* l= leaving body unsigned: DKIM_TAIL_* */
    char *key_source;               /* "dns", or a file of "NAME TXT-VALUE" lines */
    long dns_budget;                /* seconds of DNS waiting per verified message,
                                       shared by SPF, DKIM keys and DMARC */
    cfg_strlist trusted_relays;     /* networks whose mail SPF and DMARC do not judge */
    cidr_set relays;                /* derived from trusted_relays by the check */
    dkim_spf_settings spf;
    dkim_dmarc_settings dmarc;
} dkim_settings;

extern const cfg_schema dkim_schema;

#endif
