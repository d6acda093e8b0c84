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

/* Settings in every daemon's section. */
typedef struct daemon_settings {
    char *socket;       /* libmilter syntax: unix:PATH, inet:PORT@HOST, inet6:PORT@HOST */
    char *socket_mode;  /* octal, for unix sockets */
    char *socket_group; /* group owning a unix socket */
    char *pidfile;
    char *on_error;     /* internal error: "tempfail", "accept" or "reject" */
    long backlog;
    long stop_timeout;    /* seconds a stop waits for the sessions in flight */
    long session_timeout; /* seconds libmilter waits on a peer (smfi_settimeout) */
    long max_sessions;    /* sessions at once; more wait in the listen backlog */
} daemon_settings;

/* Schema fields of daemon_settings embedded at member m of struct st. */
#define DAEMON_SETTINGS_FIELDS(st, m, sock)                                                   \
    {.name = "socket", .type = CFG_STRING, .offset = offsetof(st, m.socket), .def = (sock),  \
     .check = cfg_check_socket},                                                             \
    {.name = "socket_mode", .type = CFG_STRING, .offset = offsetof(st, m.socket_mode),       \
     .def = "0660", .check = cfg_check_octal_mode},                                          \
    {.name = "socket_group", .type = CFG_STRING, .offset = offsetof(st, m.socket_group)},    \
    {.name = "pidfile", .type = CFG_STRING, .offset = offsetof(st, m.pidfile)},              \
    {.name = "on_error", .type = CFG_STRING, .offset = offsetof(st, m.on_error),             \
     .def = "tempfail", .check = site_check_action},                                         \
    {.name = "backlog", .type = CFG_INT, .offset = offsetof(st, m.backlog), .def = "64",     \
     .min = 1, .max = 4096},                                                                 \
    {.name = "stop_timeout", .type = CFG_INT, .offset = offsetof(st, m.stop_timeout),        \
     .def = "60", .min = 0, .max = 3600},                                                    \
    {.name = "session_timeout", .type = CFG_INT, .offset = offsetof(st, m.session_timeout),  \
     .def = "300", .min = 5, .max = 7200},                                                   \
    {.name = "max_sessions", .type = CFG_INT, .offset = offsetof(st, m.max_sessions),        \
     .def = "1000", .min = 1, .max = 1000000}

/* Checks "tempfail" / "accept" / "reject". */
int site_check_action(const void *value, const char **error_r);
/* Maps an on_error action to a libmilter status (SMFIS_*). */
int site_action_status(const char *action);

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
