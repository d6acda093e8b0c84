/* spawn.c - run a program, capture its output, bound its time; see spawn.h. */
#include "config.h"

#include "core/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

extern char **environ;

#define CHUNK 8192
#define READS_PER_TURN 16 /* then back to poll(), so that the clock is looked at */
#define TICK_MS 10        /* how often to look for the child's end without a pidfd */

/* One run: the parent's ends of the child's streams, and what to feed it. */
typedef struct job {
    const char *prog;
    pid_t pid;
    int in_w, out_r, err_r; /* parent's ends; -1 once closed */
    int child_in, child_out, child_err;
    int report_r, report_w; /* the child's exec errno, CLOEXEC */
    int pidfd;              /* readable when the child ends; -1 without */
    const char *data;
    size_t len, off;
    size_t max;
    unsigned timeout_ms;
    uint64_t deadline;
    char **env;
    bool pty;
    bool sigpipe_was_pending;
    sigset_t mask; /* the caller's signal mask, for the child and afterwards */
} job;

void spawn_result_init(spawn_result *r)
{
    memset(r, 0, sizeof *r);
    r->end = SPAWN_NOT_RUN;
    str_init(&r->out);
    str_init(&r->err);
}

void spawn_result_free(spawn_result *r)
{
    str_free(&r->out);
    str_free(&r->err);
}

int spawn_status(const spawn_result *r)
{
    if (r->end == SPAWN_EXITED)
        return r->code;
    return r->end == SPAWN_SIGNALED ? 128 + r->code : -1;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* ---- before fork ---- */

/* Length of the NAME= part of an environment entry (0 without '='). */
static size_t name_len(const char *entry)
{
    const char *eq = strchr(entry, '=');

    return eq != NULL ? (size_t)(eq - entry) + 1 : 0;
}

static bool replaced(const char *entry, const char *const *add)
{
    size_t n = name_len(entry);

    for (; add != NULL && *add != NULL; add++)
        if (n > 0 && name_len(*add) == n && strncmp(entry, *add, n) == 0)
            return true;
    return false;
}

/* environ without what add (and LC_ALL=C with c_locale) replaces, then
 * those. */
static char **build_env(const char *const *add, bool c_locale)
{
    static const char *const c_only[] = {"LC_ALL=C", NULL};
    size_t n = 0, k = 0, nadd = 0;
    char **env;

    while (environ[n] != NULL)
        n++;
    while (add != NULL && add[nadd] != NULL)
        nadd++;
    c_locale = c_locale && !replaced(c_only[0], add);
    env = mem_array(n + nadd + 2, sizeof *env);
    for (size_t i = 0; i < n; i++)
        if (!replaced(environ[i], add) && !(c_locale && replaced(environ[i], c_only)))
            env[k++] = environ[i];
    for (size_t i = 0; i < nadd; i++)
        env[k++] = (char *)add[i];
    if (c_locale)
        env[k++] = (char *)c_only[0];
    env[k] = NULL;
    return env;
}

static int nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A pipe: *child gets one end, *parent the other, non-blocking. */
static int make_pipe(int *child, int *parent, bool child_reads)
{
    int p[2];

    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    *child = child_reads ? p[0] : p[1];
    *parent = child_reads ? p[1] : p[0];
    return nonblocking(*parent);
}

static int open_streams(job *j)
{
    int report[2];

    if (j->data != NULL) {
        if (make_pipe(&j->child_in, &j->in_w, true) < 0)
            return -1;
    } else if ((j->child_in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    if (j->pty) {
        if (openpty(&j->out_r, &j->child_out, NULL, NULL, NULL) < 0 ||
            fcntl(j->out_r, F_SETFD, FD_CLOEXEC) < 0 ||
            fcntl(j->child_out, F_SETFD, FD_CLOEXEC) < 0 || nonblocking(j->out_r) < 0)
            return -1;
        j->child_err = j->child_out;
    } else if (make_pipe(&j->child_out, &j->out_r, false) < 0 ||
               make_pipe(&j->child_err, &j->err_r, false) < 0)
        return -1;
    if (pipe2(report, O_CLOEXEC) < 0)
        return -1;
    j->report_r = report[0];
    j->report_w = report[1];
    return 0;
}

/* SIGPIPE blocked while we may write to a child that closes its stdin. */
static void block_sigpipe(job *j)
{
    sigset_t pipe_only, pending;

    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &j->mask);
    sigpending(&pending);
    j->sigpipe_was_pending = sigismember(&pending, SIGPIPE) == 1;
}

static void restore_sigpipe(job *j)
{
    sigset_t pipe_only, pending;
    struct timespec zero = {0, 0};

    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigpending(&pending);
    if (!j->sigpipe_was_pending && sigismember(&pending, SIGPIPE) == 1)
        (void)sigtimedwait(&pipe_only, NULL, &zero); /* ours: consume it */
    pthread_sigmask(SIG_SETMASK, &j->mask, NULL);
}

/* ---- the child: async-signal-safe calls only ---- */

/* fd moved to 3 or above, so that the dup2() calls below cannot clobber it. */
static int above_stdio(int fd)
{
    return fd > 2 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

static _Noreturn void child(const job *j, const char *const argv[])
{
    int in = above_stdio(j->child_in), out = above_stdio(j->child_out),
        err = j->child_err == j->child_out ? out : above_stdio(j->child_err);
    int e;

    sigprocmask(SIG_SETMASK, &j->mask, NULL);
    if (j->pty)
        setsid();
    else
        setpgid(0, 0);
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        e = errno;
    else {
        execve(argv[0], (char *const *)argv, j->env);
        e = errno;
    }
    if (write(j->report_w, &e, sizeof e) < 0)
        _exit(127);
    _exit(127);
}

/* ---- the parent ---- */

/* exec's errno from the child, or 0 once exec succeeded (the pipe closed). */
static int exec_error(job *j)
{
    int e = 0;
    ssize_t n;

    close_fd(&j->report_w);
    do
        n = read(j->report_r, &e, sizeof e);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof e ? e : 0;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0); /* close-on-exec by itself */
#else
    (void)pid;
    return -1;
#endif
}

static void keep(str_t *s, const char *buf, size_t n, size_t max, bool *truncated)
{
    size_t room = s->len < max ? max - s->len : 0;

    if (n > room)
        *truncated = true;
    str_append(s, buf, n < room ? n : room);
}

/* Reads what fd has, at most READS_PER_TURN chunks; closes it at its end.
 * Returns true when it stopped with more perhaps to read. */
static bool drain(int *fd, str_t *s, size_t max, bool *truncated)
{
    char buf[CHUNK];

    for (int turns = READS_PER_TURN; *fd >= 0;) {
        ssize_t n = read(*fd, buf, sizeof buf);

        if (n > 0) {
            keep(s, buf, (size_t)n, max, truncated);
            if (--turns == 0)
                return true;
        } else if (n < 0 && errno == EAGAIN) {
            return false;
        } else if (n == 0 || errno != EINTR) {
            close_fd(fd); /* EOF; EIO: a pty whose other side is closed */
        }
    }
    return false;
}

/* Writes what the child's stdin pipe takes; closes it when all is written
 * or the child closed its end. */
static void feed(job *j)
{
    ssize_t n = write(j->in_w, j->data + j->off, j->len - j->off);

    if (n > 0)
        j->off += (size_t)n;
    if ((n < 0 && errno != EAGAIN && errno != EINTR) || j->off == j->len)
        close_fd(&j->in_w);
}

static int wait_ms(const job *j)
{
    uint64_t now = now_ms(), left = j->deadline > now ? j->deadline - now : 0;

    if (j->pidfd < 0 && left > TICK_MS)
        return TICK_MS;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

/* Serves the child's streams until it ends (0, *wstatus set) or the
 * deadline passes (-1). */
static int serve(job *j, spawn_result *r, int *wstatus)
{
    for (;;) {
        struct pollfd p[4];
        int fds[4] = {j->in_w, j->out_r, j->err_r, j->pidfd};
        short ev[4] = {POLLOUT, POLLIN, POLLIN, POLLIN};
        nfds_t n = 0;

        if (waitpid(j->pid, wstatus, WNOHANG) == j->pid)
            return 0;
        if (now_ms() >= j->deadline)
            return -1;
        for (int i = 0; i < 4; i++)
            if (fds[i] >= 0)
                p[n++] = (struct pollfd){.fd = fds[i], .events = ev[i]};
        if (poll(p, n, wait_ms(j)) <= 0)
            continue;
        if (j->in_w >= 0)
            feed(j);
        (void)drain(&j->out_r, &r->out, j->max, &r->out_truncated);
        (void)drain(&j->err_r, &r->err, j->max, &r->err_truncated);
    }
}

/* After the child's end: what it wrote is in the pipes; read it all
 * (once past the deadline, one turn only: a descendant may go on writing). */
static void finish_reading(job *j, spawn_result *r)
{
    bool more;

    close_fd(&j->in_w);
    do {
        more = drain(&j->out_r, &r->out, j->max, &r->out_truncated);
        more |= drain(&j->err_r, &r->err, j->max, &r->err_truncated);
    } while (more && now_ms() < j->deadline);
}

static void kill_group(job *j, int *wstatus)
{
    kill(-j->pid, SIGKILL);
    kill(j->pid, SIGKILL);
    while (waitpid(j->pid, wstatus, 0) < 0 && errno == EINTR)
        ;
}

static void describe_end(spawn_result *r, int wstatus)
{
    if (WIFEXITED(wstatus)) {
        r->end = SPAWN_EXITED;
        r->code = WEXITSTATUS(wstatus);
    } else {
        r->end = SPAWN_SIGNALED;
        r->code = WTERMSIG(wstatus);
    }
}

static void not_run(spawn_result *r, const char *prog, const char *what, int e, str_t *why)
{
    r->end = SPAWN_NOT_RUN;
    r->error = e;
    str_printf(why, "%s: %s%s", prog, what, strerror(e));
}

/* The parent's side after fork(). */
static int run_child(job *j, spawn_result *r, str_t *why)
{
    int wstatus = 0, e;

    if (!j->pty)
        (void)setpgid(j->pid, j->pid); /* as the child does: either may come first */
    close_fd(&j->child_in);
    if (j->child_err != j->child_out)
        close_fd(&j->child_err);
    j->child_err = -1; /* with a pty, the same fd as child_out */
    close_fd(&j->child_out);
    if ((e = exec_error(j)) != 0) {
        while (waitpid(j->pid, &wstatus, 0) < 0 && errno == EINTR)
            ;
        not_run(r, j->prog, "", e, why);
        return -1;
    }
    j->pidfd = open_pidfd(j->pid);
    if (serve(j, r, &wstatus) < 0) {
        kill_group(j, &wstatus);
        finish_reading(j, r);
        r->end = SPAWN_TIMED_OUT;
        if (j->timeout_ms % 1000 == 0)
            str_printf(why, "%s: did not finish within %u seconds; killed", j->prog,
                       j->timeout_ms / 1000);
        else
            str_printf(why, "%s: did not finish within %u ms; killed", j->prog, j->timeout_ms);
        return -1;
    }
    finish_reading(j, r);
    describe_end(r, wstatus);
    return 0;
}

static void job_init(job *j, const char *prog, const spawn_opts *o)
{
    memset(j, 0, sizeof *j);
    j->prog = prog;
    j->in_w = j->out_r = j->err_r = -1;
    j->child_in = j->child_out = j->child_err = -1;
    j->report_r = j->report_w = j->pidfd = -1;
    j->data = o->stdin_data;
    j->len = o->stdin_len;
    j->max = o->max_output ? o->max_output : SPAWN_DEFAULT_MAX_OUTPUT;
    j->pty = o->pty;
    j->timeout_ms = o->timeout_ms ? o->timeout_ms : SPAWN_DEFAULT_TIMEOUT_MS;
    j->deadline = now_ms() + j->timeout_ms;
}

static void job_free(job *j)
{
    int *fds[] = {&j->in_w,      &j->out_r,    &j->err_r,    &j->child_in,
                  &j->child_out, &j->report_r, &j->report_w, &j->pidfd};

    if (j->child_err != j->child_out)
        close_fd(&j->child_err);
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close_fd(fds[i]);
    mem_free(&j->env);
}

int spawn_run(const char *const argv[], const spawn_opts *opts, spawn_result *r, str_t *why)
{
    static const spawn_opts defaults;
    const spawn_opts *o = opts != NULL ? opts : &defaults;
    job j;
    int rc = -1;

    spawn_result_free(r);
    spawn_result_init(r);
    job_init(&j, argv[0], o);
    block_sigpipe(&j);
    if (open_streams(&j) < 0) {
        not_run(r, j.prog, "cannot make its streams: ", errno, why);
    } else {
        j.env = build_env(o->env_add, o->c_locale);
        if (j.data != NULL && j.len == 0)
            close_fd(&j.in_w); /* empty input: EOF at once */
        j.pid = fork();
        if (j.pid == 0)
            child(&j, argv);
        if (j.pid < 0)
            not_run(r, j.prog, "fork: ", errno, why);
        else
            rc = run_child(&j, r, why);
    }
    job_free(&j);
    restore_sigpipe(&j);
    return rc;
}
