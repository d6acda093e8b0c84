/*
 * masq_settings.h - the "masq" section of milterkit.conf: its schema and the
 * struct it fills.  Defaults are in the schema table of masq_settings.c and
 * documented in milterkit.conf(5).
 */
#ifndef MK_MASQ_SETTINGS_H
#define MK_MASQ_SETTINGS_H

#include <stdbool.h>

#include "core/cfg.h"
#include "milter/site.h"

typedef struct masq_settings {
    daemon_settings daemon;   /* must come first (daemon.h) */
    char *as;                 /* MASQUERADE_AS */
    cfg_strlist domains;      /* MASQUERADE_DOMAIN */
    char *domains_file;       /* MASQUERADE_DOMAIN_FILE */
    bool entire_domain;       /* FEATURE(masquerade_entire_domain) */
    bool envelope;            /* FEATURE(masquerade_envelope) */
    bool recipients;          /* FEATURE(allmasquerade) */
    bool always_add_domain;   /* FEATURE(always_add_domain) */
    bool limited;             /* FEATURE(limited_masquerade) */
    bool generics_entire_domain; /* FEATURE(generics_entire_domain) */
    cfg_strlist exposed_users;/* EXPOSED_USER */
    cfg_strlist exceptions;   /* MASQUERADE_EXCEPTION */
    char *generics;           /* genericstable-style map file */
    cfg_strlist generics_domains; /* GENERICS_DOMAIN */
    cfg_strlist headers;      /* sender headers rewritten */
    cfg_strlist recipient_headers; /* rewritten too when recipients = true */
    bool trusted_only;        /* only mail of trusted origin */
} masq_settings;

extern const cfg_schema masq_schema;

#endif
