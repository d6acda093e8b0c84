/* daemon.c - start-up, privileges, reload and stop of a milter; see daemon.h. */
#include "config.h"

#include "milter/daemon.h"

#include "core/log.h"
#include "core/mem.h"
#include "core/sockspec.h"
#include "milter/daemonctl.h"
#include "milter/listensock.h"
#include "milter/sockcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Largest milter packet libmilter accepts (headers, body chunks). */
#define DAEMON_MAX_DATA 1048576

static snapshot_holder conf_holder;
static const daemon_part *running_part;
static char *running_config_path;
static listensock listener;
static atomic_flag finished = ATOMIC_FLAG_INIT;

typedef struct daemon_args {
    const char *config;
    bool foreground;
    bool check_only;
} daemon_args;

const char *daemon_default_config(void)
{
    return SYSCONFDIR "/milterkit/milterkit.conf";
}

void daemon_conn_begin(void)
{
    daemonctl_session_begin();
}

void daemon_conn_end(void)
{
    daemonctl_session_end();
}

snapshot *daemon_conf_acquire(void)
{
    return snapshot_acquire(&conf_holder);
}

daemon_conf *daemon_conf_load(const daemon_part *part, const char *path, str_t *errors)
{
    daemon_conf *c = mem_zalloc(sizeof *c);

    c->part_def = part;
    c->path = mem_strdup(path);
    str_init(&c->warnings);
    c->part = mem_zalloc(part->schema->size);
    if (site_load(path, &c->site, part->name, part->schema, c->part, errors) < 0) {
        str_free(&c->warnings);
        mem_free(&c->path);
        mem_free(&c->part);
        mem_free(&c);
        return NULL;
    }
    if (part->prepare != NULL && part->prepare(c, errors) < 0) {
        site_free(&c->site);
        cfg_free(part->schema, c->part);
        str_free(&c->warnings);
        mem_free(&c->path);
        mem_free(&c->part);
        mem_free(&c);
        return NULL;
    }
    return c;
}

void daemon_conf_free(void *conf)
{
    daemon_conf *c = conf;

    if (c == NULL)
        return;
    if (c->part_def->release != NULL)
        c->part_def->release(c);
    site_free(&c->site);
    cfg_free(c->part_def->schema, c->part);
    str_free(&c->warnings);
    mem_free(&c->path);
    mem_free(&c->part);
    mem_free(&c);
}

/* Logs each line of c->warnings, after prefix, at level warning (the
 * "warning: " the line carries for -n is left out: the level says it). */
static void log_warnings(const daemon_conf *c, const char *prefix)
{
    static const char word[] = "warning: ";
    const char *p = c->warnings.buf;

    while (p != NULL && *p != '\0') {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        const char *w = memmem(p, (size_t)n, word, sizeof word - 1);

        if (w != NULL)
            log_msg(LOG_WARNING, "%s%.*s%.*s", prefix, (int)(w - p), p,
                    n - (int)(w - p) - (int)(sizeof word - 1), w + sizeof word - 1);
        else
            log_msg(LOG_WARNING, "%s%.*s", prefix, n, p);
        p = nl ? nl + 1 : NULL;
    }
}

static const daemon_settings *settings_of(const daemon_conf *c)
{
    return (const daemon_settings *)c->part;
}

/* ---- arguments ---- */

static void usage(const daemon_part *part, FILE *f)
{
    fprintf(f,
            "usage: milterkit-%s [-c FILE] [-f] [-n] [-V] [-h]\n"
            "%s\n"
            "  -c FILE        configuration file (default %s)\n"
            "  -f             stay in the foreground and log to stderr\n"
            "  -n             check the configuration, print errors and warnings, and exit\n"
            "  -V, --version  print the version and exit\n"
            "  -h, --help     print this help and exit\n"
            "SIGUSR1 reloads the configuration; SIGTERM or SIGHUP stops after messages in flight.\n"
            "Exit: 0 ok, 1 configuration errors or a failure to start, 64 usage error.\n",
            part->name, part->summary, daemon_default_config());
}

/* The option getopt stopped at, for the message. */
static void bad_option(const daemon_part *part, int ch, char **argv)
{
    if (ch == ':')
        fprintf(stderr, "milterkit-%s: option -%c needs an argument\n", part->name, optopt);
    else if (optopt != 0)
        fprintf(stderr, "milterkit-%s: unknown option -%c\n", part->name, optopt);
    else
        fprintf(stderr, "milterkit-%s: unknown option %s\n", part->name, argv[optind - 1]);
}

/* Returns -1 to go on, else an exit status. */
static int parse_args(const daemon_part *part, int argc, char **argv, daemon_args *a)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    a->config = daemon_default_config();
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":c:fnVh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': a->config = optarg; break;
        case 'f': a->foreground = true; break;
        case 'n': a->check_only = true; break;
        case 'V': printf("milterkit-%s %s\n", part->name, PACKAGE_VERSION); return 0;
        case 'h': usage(part, stdout); return 0;
        default:
            bad_option(part, ch, argv);
            usage(part, stderr);
            return DAEMON_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "milterkit-%s: unexpected argument %s\n", part->name, argv[optind]);
        usage(part, stderr);
        return DAEMON_EXIT_USAGE;
    }
    return -1;
}

/* ---- socket ---- */

/* A unix socket left by a dead daemon is removed; one that answers is in use. */
static void clear_stale_socket(const char *path)
{
    struct sockaddr_un sun;
    struct stat st;
    int fd;

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISSOCK(st.st_mode))
        log_fatal("%s exists and is not a socket; not removing it", path);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sun.sun_path)
        log_fatal("socket path too long: %s", path);
    memcpy(sun.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
        log_fatal("%s is in use by a running process; is another instance running?", path);
    if (fd >= 0)
        close(fd);
    if (unlink(path) != 0)
        log_fatal("cannot remove stale socket %s: %m", path);
    log_msg(LOG_NOTICE, "removed stale socket %s", path);
}

static gid_t group_id(const char *name)
{
    struct group *gr = getgrnam(name);

    if (gr == NULL)
        log_fatal("unknown group %s", name);
    return gr->gr_gid;
}

/* Makes what the control thread needs to pause and close the listener
 * (lib/milter/listensock), with its quiet socket in a temporary directory
 * beside the unix socket, else in $TMPDIR or /tmp. */
static void arm_listener(const char *unix_socket_path)
{
    const char *dirs[4];
    size_t n = 0;
    str_t dir, why;

    str_init(&dir);
    str_init(&why);
    if (unix_socket_path != NULL) {
        const char *slash = strrchr(unix_socket_path, '/');

        str_append(&dir, unix_socket_path, slash ? (size_t)(slash - unix_socket_path) : 0);
        dirs[n++] = dir.len ? dir.buf : "/";
    }
    if (getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] == '/')
        dirs[n++] = getenv("TMPDIR");
    dirs[n++] = "/tmp";
    dirs[n] = NULL;
    if (listensock_arm(&listener, dirs, &why) < 0)
        log_fatal("cannot prepare the listener's stop: %s", why.buf);
    str_free(&dir);
    str_free(&why);
}

/* Stops with a message that says why the socket cannot be opened and
 * what to do about it. */
static _Noreturn void cannot_listen(const daemon_conf *c)
{
    const daemon_settings *d = settings_of(c);
    str_t why;

    str_init(&why);
    sockcheck_explain(d->socket, c->site.user, d->socket_group, &why);
    log_fatal("cannot listen on %s: %s", d->socket, why.buf);
}

static void open_socket(const daemon_part *part, const daemon_conf *c)
{
    const daemon_settings *d = settings_of(c);
    const char *path, *why;
    str_t problem;

    if (d->socket == NULL)
        log_fatal("%s.socket is not set", part->name);
    str_init(&problem);
    if (sockcheck_dir(d->socket, c->site.user, d->socket_group, &problem) < 0)
        log_fatal("cannot listen on %s: %s", d->socket, problem.buf);
    str_free(&problem);
    path = sockspec_unix_path(d->socket);
    if (path != NULL)
        clear_stale_socket(path);
    /* smfi_setconn() keeps a copy of its own (sendmail 8.17 libmilter/main.c). */
    if (smfi_setconn(d->socket) != MI_SUCCESS)
        log_fatal("bad socket %s", d->socket);
    if (smfi_setbacklog((int)d->backlog) != MI_SUCCESS)
        log_fatal("cannot set the listen backlog");
    smfi_setmaxdatasize(DAEMON_MAX_DATA);
    /* How long libmilter waits for the rest of a packet, for a write, and
     * (checked every 10 minutes by its worker pool) for an idle session. */
    smfi_settimeout((int)d->session_timeout);
    if (smfi_register(*part->desc) != MI_SUCCESS)
        log_fatal("smfi_register failed");
    if (smfi_opensocket(false) != MI_SUCCESS)
        cannot_listen(c);
    if (path != NULL) {
        mode_t mode = (mode_t)strtol(d->socket_mode, NULL, 8);

        if (chmod(path, mode) != 0)
            log_fatal("chmod %s: %m", path);
        if (d->socket_group && chown(path, (uid_t)-1, group_id(d->socket_group)) != 0)
            log_fatal("chown %s: %m", path);
        /* Owned by the user the daemon runs as, so that it can connect to
         * its own socket after dropping privileges (listensock_kick). */
        if (geteuid() == 0) {
            struct passwd *pw = getpwnam(c->site.user);

            if (pw != NULL && chown(path, pw->pw_uid, (gid_t)-1) != 0)
                log_fatal("chown %s: %m", path);
        }
    }
    if (listensock_find(&listener, d->socket, &why) < 0)
        log_fatal("cannot find libmilter's listening socket for %s: %s", d->socket, why);
    arm_listener(path);
    log_msg(LOG_INFO, "listening on %s%s (session_timeout %ld s)", d->socket,
            listener.nodelay ? " with TCP_NODELAY" : "", d->session_timeout);
}

/* Raises the soft limit of open files to the hard one (systemd starts
 * services with 1024 by default; the units raise the hard limit). */
static long raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        log_fatal("getrlimit(RLIMIT_NOFILE): %m");
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t old = rl.rlim_cur;

        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            log_msg(LOG_WARNING, "cannot raise the open file limit from %ld to %ld: %m",
                    (long)old, (long)rl.rlim_max);
        else
            log_msg(LOG_INFO, "open file limit raised from %ld to %ld", (long)old,
                    (long)rl.rlim_max);
        if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
            log_fatal("getrlimit(RLIMIT_NOFILE): %m");
    }
    return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1L << 30 ? 1L << 30 : (long)rl.rlim_cur;
}

/* ---- pid file, background, privileges ---- */

static void write_pidfile(const char *path)
{
    char buf[32];
    int fd, n;
    FILE *old = fopen(path, "r");

    if (old != NULL) {
        long pid = 0;

        if (fscanf(old, "%ld", &pid) == 1 && pid > 1 && kill((pid_t)pid, 0) == 0 &&
            pid != (long)getpid())
            log_fatal("pid file %s names running process %ld", path, pid);
        fclose(old);
        unlink(path);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        log_fatal("cannot create pid file %s: %m", path);
    n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (n < 0 || write(fd, buf, (size_t)n) != n)
        log_fatal("cannot write pid file %s: %m", path);
    close(fd);
}

static void background(void)
{
    pid_t pid = fork();
    int fd;

    if (pid < 0)
        log_fatal("fork: %m");
    if (pid > 0)
        _exit(0);
    if (setsid() < 0)
        log_fatal("setsid: %m");
    if (chdir("/") != 0)
        log_fatal("chdir /: %m");
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
}

static void drop_privileges(const site_settings *site)
{
    struct passwd *pw;
    gid_t gid;

    if (geteuid() != 0) {
        log_msg(LOG_INFO, "not started as root: running as uid %ld", (long)getuid());
        return;
    }
    pw = getpwnam(site->user);
    if (pw == NULL)
        log_fatal("site.user %s does not exist", site->user);
    if (pw->pw_uid == 0)
        log_fatal("site.user %s is root: refusing to run as root", site->user);
    gid = site->group ? group_id(site->group) : pw->pw_gid;
    if (setgroups(1, &gid) != 0)
        log_fatal("setgroups: %m");
    if (setgid(gid) != 0)
        log_fatal("setgid %ld: %m", (long)gid);
    if (setuid(pw->pw_uid) != 0)
        log_fatal("setuid %s: %m", site->user);
    if (getuid() == 0 || geteuid() == 0 || setuid(0) == 0)
        log_fatal("still root after dropping privileges: refusing to run");
    log_msg(LOG_INFO, "running as %s", site->user);
}

/* ---- reload ---- */

static void reload(void)
{
    str_t errors;
    daemon_conf *c;
    snapshot *cur;

    str_init(&errors);
    c = daemon_conf_load(running_part, running_config_path, &errors);
    if (c == NULL) {
        for (char *line = strtok(errors.buf, "\n"); line; line = strtok(NULL, "\n"))
            log_msg(LOG_ERR, "reload: %s", line);
        log_msg(LOG_ERR, "reload failed: keeping the running configuration");
        str_free(&errors);
        return;
    }
    str_free(&errors);
    log_warnings(c, "reload: ");
    cur = daemon_conf_acquire();
    if (cur != NULL) {
        const daemon_settings *old = settings_of(cur->data), *new = settings_of(c);

        if (strcmp(old->socket, new->socket) != 0)
            log_msg(LOG_WARNING, "reload: a new socket (%s) takes effect only after a restart",
                    new->socket);
        snapshot_release(&cur);
    }
    log_set_level(log_level_from_name(c->site.log_level));
    log_msg(LOG_NOTICE, "configuration reloaded (generation %lu)",
            snapshot_publish(&conf_holder, c, daemon_conf_free));
}

/* ---- what the control thread (lib/milter/daemonctl) asks of us ---- */

static void current_limits(long *stop_timeout, long *max_sessions)
{
    snapshot *s = daemon_conf_acquire();

    *stop_timeout = s ? settings_of(s->data)->stop_timeout : 60;
    *max_sessions = s ? settings_of(s->data)->max_sessions : 1000;
    snapshot_release(&s);
}

/* Removes the pid file and says so; once, whoever stops first (the
 * control thread after a stop, main after libmilter returned). */
static void finish(void)
{
    snapshot *s;
    const char *pidfile;

    if (atomic_flag_test_and_set(&finished))
        return;
    s = daemon_conf_acquire();
    pidfile = s ? settings_of(s->data)->pidfile : NULL;
    if (pidfile && unlink(pidfile) != 0 && errno != ENOENT)
        log_msg(LOG_WARNING, "cannot remove pid file %s: %m", pidfile);
    snapshot_release(&s);
    log_msg(LOG_NOTICE, "stopped");
}

static const daemonctl_ops control_ops = {
    .reload = reload,
    .limits = current_limits,
    .finish = finish,
};

/* -n: a unix socket whose directory is missing or not writable works
 * nowhere; said on stderr, not an error (the directory may come with the
 * package or the MTA).  Returns whether it warned. */
static bool socket_warning(const char *prog, const daemon_part *part, const daemon_conf *c)
{
    const daemon_settings *d = settings_of(c);
    str_t why;
    bool warned;

    if (d->socket == NULL)
        return false;
    str_init(&why);
    warned = sockcheck_dir(d->socket, c->site.user, d->socket_group, &why) < 0;
    if (warned)
        fprintf(stderr, "%s: warning: %s.socket %s: %s\n", prog, part->name, d->socket, why.buf);
    str_free(&why);
    return warned;
}

static void print_errors(const char *prog, const str_t *errors)
{
    fprintf(stderr, "%s", errors->buf);
    fprintf(stderr, "%s: configuration has errors\n", prog);
}

int daemon_main(const daemon_part *part, int argc, char **argv)
{
    daemon_args a = {0};
    str_t errors;
    daemon_conf *c;
    const char *why;
    char prog[64];
    long fd_limit;
    int rc;

    snprintf(prog, sizeof prog, "milterkit-%s", part->name);
    if ((rc = parse_args(part, argc, argv, &a)) >= 0)
        return rc;
    umask(007);
    signal(SIGPIPE, SIG_IGN);
    str_init(&errors);
    c = daemon_conf_load(part, a.config, &errors);
    if (c == NULL) {
        print_errors(prog, &errors);
        str_free(&errors);
        return 1;
    }
    str_free(&errors);
    if (a.check_only) {
        bool warned = socket_warning(prog, part, c);

        fputs(c->warnings.buf, stderr);
        printf("%s: %s: configuration OK%s\n", prog, a.config,
               warned || c->warnings.len > 0 ? " (with the warnings above)" : "");
        daemon_conf_free(c);
        return 0;
    }
    if (log_init(prog, a.foreground, c->site.log_facility, &why) < 0)
        log_fatal("%s", why);
    log_set_level(log_level_from_name(c->site.log_level));
    log_warnings(c, "");
    running_part = part;
    /* Reloads happen after the chdir("/") of background(). */
    running_config_path = realpath(a.config, NULL);
    if (running_config_path == NULL)
        log_fatal("%s: %m", a.config);
    snapshot_holder_init(&conf_holder);
    /* Before any thread exists, so that every thread inherits the mask. */
    if (daemonctl_block_signals() < 0)
        log_fatal("cannot block signals");
    fd_limit = raise_fd_limit();
    open_socket(part, c);
    if (!a.foreground)
        background();
    if (settings_of(c)->pidfile)
        write_pidfile(settings_of(c)->pidfile);
    drop_privileges(&c->site);
    if (daemonctl_effective_cap(settings_of(c)->max_sessions, fd_limit) <
        settings_of(c)->max_sessions)
        log_msg(LOG_WARNING, "max_sessions %ld is more than %ld open files allow: at most %ld",
                settings_of(c)->max_sessions, fd_limit,
                daemonctl_effective_cap(settings_of(c)->max_sessions, fd_limit));
    snapshot_publish(&conf_holder, c, daemon_conf_free);
    /* This thread runs libmilter's listener (smfi_main). */
    listensock_set_listener(&listener, pthread_self());
    if (daemonctl_start(&listener, &control_ops, fd_limit, &why) < 0)
        log_fatal("%s", why);
    log_msg(LOG_NOTICE, "starting %s %s", prog, PACKAGE_VERSION);
    /* Returns only when libmilter stops by itself (SIGINT, a failure of its
     * listener): a stop on SIGTERM or SIGHUP ends in the control thread. */
    rc = smfi_main();
    if (rc != MI_SUCCESS)
        log_msg(LOG_ERR, "libmilter's listener failed");
    finish();
    return rc == MI_SUCCESS ? 0 : 1;
}
