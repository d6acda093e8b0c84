/*
 * site.h - the "site" section of milterkit.conf, read by every part, and the
 * settings every daemon section shares (socket, pid file, failure action).
 *
 * The defaults of these settings are written once, in the schema tables of
 * site.c; milterkit.conf(5) documents them.
 */
#ifndef MK_SITE_H
#define MK_SITE_H

#include <stdbool.h>

#include "core/cfg.h"
#include "core/cidr.h"

typedef struct site_dns {
    cfg_strlist servers; /* "127.0.0.1@5353"; empty: the system resolver */
    long timeout;        /* seconds per query */
    char *trust_anchor;  /* DNSSEC trust anchor file, or NULL */
} site_dns;

typedef struct site_settings {
    char *domain;
    char *hostname;
    char *authserv_id;          /* defaults to hostname */
    cfg_strlist internal_networks;
    cfg_strlist submission_daemons; /* {daemon_name} values that count as trusted */
    char *user, *group;         /* run as; group NULL: the user's primary group */
    char *log_facility, *log_level;
    site_dns dns;
    cidr_set internal;          /* derived from internal_networks by the check */
} site_settings;

extern const cfg_schema site_schema;

/* What a daemon answers for a message when a setting (on_error,
 * dkim.on_dns_error, ...) says so.  Stored as int by the schema (CFG_ENUM). */
typedef enum site_action {
    SITE_TEMPFAIL, /* 4xx: the client tries again later */
    SITE_ACCEPT,   /* the message goes on as if nothing happened */
    SITE_REJECT,   /* 5xx */
} site_action;

/* Name tables of on_* settings, each the actions it allows: */
extern const cfg_enum_name site_actions[];         /* tempfail, accept, reject */
extern const cfg_enum_name site_actions_no_reject[]; /* tempfail, accept */
extern const cfg_enum_name site_actions_no_accept[]; /* tempfail, reject */

/* The config name of a ("tempfail"), for logs. */
const char *site_action_name(int a);

/* Settings in every daemon's section. */
typedef struct daemon_settings {
    char *socket;       /* libmilter syntax: unix:PATH, inet:PORT@HOST, inet6:PORT@HOST */
    char *socket_mode;  /* octal, for unix sockets */
    char *socket_group; /* group owning a unix socket */
    char *pidfile;
    int on_error;       /* site_action on an internal error */
    long backlog;
    long stop_timeout;    /* seconds a stop waits for the sessions in flight */
    long session_timeout; /* seconds libmilter waits on a peer (smfi_settimeout) */
    long max_sessions;    /* sessions at once; more wait in the listen backlog */
} daemon_settings;

/* Each daemon's default socket (its runtime directory, made by the units'
 * tmpfiles.d), written once for the daemons, milterkit-mc and
 * milterkit-check. */
#define SITE_SOCKET_RELAY "unix:/run/milterkit-relay/relay.sock"
#define SITE_SOCKET_MASQ "unix:/run/milterkit-masq/masq.sock"
#define SITE_SOCKET_DKIM "unix:/run/milterkit-dkim/dkim.sock"

/* Schema fields of daemon_settings embedded at member m of struct st. */
#define DAEMON_SETTINGS_FIELDS(st, m, sock)                                                   \
    {.name = "socket", .type = CFG_STRING, .offset = offsetof(st, m.socket), .def = (sock),  \
     .check = cfg_check_socket},                                                             \
    {.name = "socket_mode", .type = CFG_STRING, .offset = offsetof(st, m.socket_mode),       \
     .def = "0660", .check = cfg_check_octal_mode},                                          \
    {.name = "socket_group", .type = CFG_STRING, .offset = offsetof(st, m.socket_group)},    \
    {.name = "pidfile", .type = CFG_STRING, .offset = offsetof(st, m.pidfile)},              \
    {.name = "on_error", .type = CFG_ENUM, .offset = offsetof(st, m.on_error),               \
     .def = "tempfail", .names = site_actions},                                              \
    {.name = "backlog", .type = CFG_INT, .offset = offsetof(st, m.backlog), .def = "64",     \
     .min = 1, .max = 4096},                                                                 \
    {.name = "stop_timeout", .type = CFG_INT, .offset = offsetof(st, m.stop_timeout),        \
     .def = "60", .min = 0, .max = 3600},                                                    \
    {.name = "session_timeout", .type = CFG_INT, .offset = offsetof(st, m.session_timeout),  \
     .def = "300", .min = 5, .max = 7200},                                                   \
    {.name = "max_sessions", .type = CFG_INT, .offset = offsetof(st, m.max_sessions),        \
     .def = "1000", .min = 1, .max = 1000000}

/* Maps an action (a site_action, as stored) to a libmilter status.  Returns
 * SMFIS_ACCEPT, SMFIS_REJECT, or SMFIS_TEMPFAIL (also for an unknown value). */
int site_action_status(int action);

/* Names of every top-level section of milterkit.conf, for cfg_load's
 * "known but not mine" entries. */
extern const char *const site_section_names[];
extern const unsigned site_section_count;

/*
 * Loads site + one part's section from path.  part_obj is filled per
 * part_schema.  Returns 0, or -1 with errors appended (FILE:LINE: key: msg).
 * On success free with site_free() and cfg_free(part_schema, part_obj).
 */
int site_load(const char *path, site_settings *site, const char *part_name,
              const cfg_schema *part_schema, void *part_obj, str_t *errors);
void site_free(site_settings *site);

#endif
