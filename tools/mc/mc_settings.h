/*
 * mc_settings.h - the "mta" section of milterkit.conf, read by milterkit-mc:
 * which MTA, its listeners (port 25, submission on 587), TLS and SASL of the
 * submission service, the ISP's smart host and its credentials.
 * Defaults live in the schema table of mc_settings.c and are documented in
 * milterkit-mc(8) and milterkit.conf(5).
 */
#ifndef MK_MC_SETTINGS_H
#define MK_MC_SETTINGS_H

#include <stdbool.h>

#include "core/cfg.h"

typedef struct mc_tls {
    char *cert, *key, *ca; /* PEM files; NULL: not configured */
} mc_tls;

typedef struct mc_smtp {
    bool enable;           /* the port-25 service */
    long port;
    cfg_strlist families;  /* "inet", "inet6" */
    cfg_strlist addresses; /* empty: every address */
} mc_smtp;

typedef struct mc_submission {
    bool enable;
    long port;
    cfg_strlist families;
    cfg_strlist addresses;
    cfg_strlist auth_mechanisms;
    char *sasl_pwcheck;    /* "auxprop" (the users in sasldb) or "saslauthd" */
    char *sasldb;          /* the Cyrus SASL user database (saslpasswd2 -f) */
    mc_tls tls;
} mc_submission;

typedef struct mc_smarthost_auth {
    char *user;            /* NULL: no AUTH towards the smart host */
    char *password_file;   /* one line: the password */
    cfg_strlist mechanisms;
} mc_smarthost_auth;

typedef struct mc_smarthost {
    char *host;            /* NULL: no smart host (direct delivery) */
    long port;
    char *tls;             /* "starttls" or "implicit" */
    mc_smarthost_auth auth;
} mc_smarthost;

typedef struct mc_postfix_opts {
    bool chroot;            /* smtpd runs chrooted (Debian's default) */
    char *queue_directory;  /* the chroot */
} mc_postfix_opts;

typedef struct mc_sendmail_opts {
    cfg_strlist include;    /* m4 files included after OSTYPE (site additions) */
} mc_sendmail_opts;

typedef struct mta_settings {
    char *flavor;           /* "sendmail" or "postfix" */
    char *config_dir;       /* NULL: /etc/mail or /etc/postfix */
    mc_smtp smtp;
    mc_submission submission;
    mc_smarthost smarthost;
    cfg_strlist local_host_names; /* empty: site.domain and site.hostname */
    bool access_db;         /* sendmail FEATURE(access_db) */
    char *milter_timeouts;  /* sendmail T= of INPUT_MAIL_FILTER */
    mc_postfix_opts postfix;
    mc_sendmail_opts sendmail;
} mta_settings;

extern const cfg_schema mta_schema;

/* The MTA's configuration directory: config_dir, or the flavor's default
 * (for the flavor given, which may differ from s->flavor with --mta).
 * Returns a string owned by s or static. */
const char *mc_settings_config_dir(const mta_settings *s, const char *flavor);

/* mta.submission.sasldb's default: where saslpasswd2 keeps the users. */
#define MC_SASLDB_DEFAULT "/etc/sasldb2"

/* True when text can be pasted into an m4 quoted string, a sendmail option
 * list, a Postfix setting and a shell word in single quotes: no quotes,
 * backquotes, commas, whitespace or control characters. */
bool mc_settings_plain(const char *text);

#endif
