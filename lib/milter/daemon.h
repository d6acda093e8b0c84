/*
 * daemon.h - the life of a milterkit milter daemon, shared by all of them.
 *
 * daemon_main() does, in order: parse -c FILE -f -n -V -h (and --help,
 * --version); load and check the config (site + the part's section; -n
 * stops here, printing every error as FILE:LINE: key: message, and the
 * warnings); start logging (and log the warnings); block the signals
 * (lib/milter/daemonctl); raise the soft limit of open files to the hard
 * limit (logged); open the milter socket (a missing socket directory or a
 * port in use is a fatal error that says why and what to do,
 * lib/milter/sockcheck; a stale unix socket is removed, a live one is an
 * error; mode and group set; libmilter's session timeout set), find it
 * again among our descriptors (lib/milter/listensock: TCP_NODELAY on inet
 * sockets); go to the background unless -f; write the pid file; drop to
 * site.user/site.group (refusing to go on as root); start the control
 * thread; run libmilter.
 *
 * Signals (lib/milter/daemonctl.h has how and why):
 *   SIGUSR1  re-reads the config file.  A new config that fails to load is
 *            logged and the running one stays; a new config's warnings
 *            are logged.  Each message keeps the snapshot it started with.
 *   SIGTERM, SIGHUP  stop: no new session is accepted (connections are
 *            refused), the sessions in flight get every reply, and the
 *            daemon exits as soon as the last one is over, or after
 *            stop_timeout seconds (default 60) with a warning; the pid file
 *            is removed.  libmilter never sees these two signals.
 *   SIGINT   libmilter's own: aborts at once (for debugging).
 *
 * Limits (every daemon section): session_timeout (smfi_settimeout: how
 * long libmilter waits for the rest of a packet or a write, and how long
 * a session may idle), max_sessions (more sessions wait in the listen
 * backlog; also kept below the open file limit), stop_timeout.
 *
 * The part's settings struct must begin with a daemon_settings member.
 */
#ifndef MK_DAEMON_H
#define MK_DAEMON_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

#include "core/cfg.h"
#include "milter/site.h"
#include "core/snapshot.h"

struct daemon_part;

typedef struct daemon_conf {
    site_settings site;
    const struct daemon_part *part_def;
    char *path; /* the file it was read from, for parts that read other sections */
    void *part;    /* the part's settings; begins with daemon_settings */
    void *runtime; /* what the part's prepare() built from them, or NULL */
    /* What is legal but most likely a mistake, one "FILE:LINE: key:
     * warning: ..." per line, appended by prepare(): printed by -n, logged
     * at start and reload, never fatal. */
    str_t warnings;
} daemon_conf;

typedef struct daemon_part {
    const char *name;         /* section name: "masq"; program: "milterkit-masq" */
    const char *summary;      /* one line for -h */
    const cfg_schema *schema; /* its section */
    struct smfiDesc *desc;    /* its callbacks */
    /* Optional: builds c->runtime (maps, keys, rules) from a loaded config,
     * also for -n; returns 0, or -1 with messages appended to errors. */
    int (*prepare)(daemon_conf *c, str_t *errors);
    /* Frees c->runtime; called for every config that prepare() succeeded on. */
    void (*release)(daemon_conf *c);
} daemon_part;

/* Exit status of a usage error (EX_USAGE), for every milterkit program. */
#define DAEMON_EXIT_USAGE 64

/* Runs the daemon; returns the process exit status: 0, 1 (configuration
 * errors, or a failure to start or run), DAEMON_EXIT_USAGE. */
int daemon_main(const daemon_part *part, int argc, char **argv);

/* Loads a complete config; NULL with errors appended on failure. */
daemon_conf *daemon_conf_load(const daemon_part *part, const char *path, str_t *errors);
void daemon_conf_free(void *conf);

/* The current config snapshot (data is a daemon_conf *), with a reference;
 * NULL only before daemon_main has loaded one. */
snapshot *daemon_conf_acquire(void);

/* Count sessions (milterconn: from a connection's first callback to its
 * close), for max_sessions. */
void daemon_conn_begin(void);
void daemon_conn_end(void);

/* The default config file path. */
const char *daemon_default_config(void);

#endif
