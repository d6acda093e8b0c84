/*
 * relay_settings.h - the "relay" section of milterkit.conf: its schema and
 * the struct it fills.  Defaults are in the schema table of
 * relay_settings.c and documented in milterkit.conf(5).
 */
#ifndef MK_RELAY_SETTINGS_H
#define MK_RELAY_SETTINGS_H

#include <stdbool.h>

#include "core/cfg.h"
#include "milter/site.h"

typedef struct relay_settings {
    daemon_settings daemon;    /* must come first (daemon.h) */
    char *access;              /* access map file (access(5) syntax), or NULL */
    cfg_strlist local_domains; /* delivered here; empty: site.domain */
    cfg_strlist relay_domains; /* relayed for anyone, with their subdomains */
    char *sender_logins;       /* map file: login -> allowed addresses/@domains */
    bool dry_run;              /* decide and log, refuse nothing */
    bool allow_cross_family;   /* FCRDNS_CROSS_FAMILY */
    int on_dns_error;          /* SITE_TEMPFAIL (451 4.4.3) or SITE_REJECT (550 5.7.1) */
    long fcrdns_timeout;       /* seconds for all the queries of one FCrDNS check */
} relay_settings;

extern const cfg_schema relay_schema;

#endif
