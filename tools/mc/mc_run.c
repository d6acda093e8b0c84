/* mc_run.c - run a helper program and capture its output; see mc_run.h. */
#include "config.h"

#include "mc_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MC_RUN_MAX_OUTPUT (4 * 1024 * 1024)

void mc_run_result_init(mc_run_result *r)
{
    r->status = -1;
    str_init(&r->out);
    str_init(&r->err);
}

void mc_run_result_free(mc_run_result *r)
{
    str_free(&r->out);
    str_free(&r->err);
}

static void read_capture(FILE *f, str_t *out)
{
    char buf[8192];
    size_t n;

    if (f == NULL)
        return;
    rewind(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && out->len < MC_RUN_MAX_OUTPUT)
        str_append(out, buf, n);
}

static _Noreturn void child(const char *const argv[], const mc_run_opts *o, int out_fd,
                            int err_fd)
{
    int in = open(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY);

    if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        _exit(126);
    if (o->ld_library_path)
        setenv("LD_LIBRARY_PATH", o->ld_library_path, 1);
    if (o->mail_config)
        setenv("MAIL_CONFIG", o->mail_config, 1);
    setenv("LC_ALL", "C", 1);
    execv(argv[0], (char *const *)argv);
    fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static int wait_child(pid_t pid, int timeout, int *status)
{
    struct timespec tick = {0, 10 * 1000 * 1000};

    for (long waited = 0; waited < (long)timeout * 100; waited++) {
        pid_t w = waitpid(pid, status, WNOHANG);

        if (w == pid)
            return 0;
        if (w < 0 && errno != EINTR)
            return -1;
        nanosleep(&tick, NULL);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, status, 0);
    return -1;
}

/* Reads the pty master until every writer is gone or the time is up. */
static void drain_pty(int master, pid_t pid, int timeout, str_t *out)
{
    time_t end = time(NULL) + timeout;
    char buf[8192];

    while (time(NULL) < end) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        int rc = poll(&p, 1, 500);
        ssize_t n;

        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0) {
            if (waitpid(pid, NULL, WNOHANG | WNOWAIT) == pid)
                break;
            continue;
        }
        n = read(master, buf, sizeof buf);
        if (n <= 0)
            break; /* EIO: the slave side is closed */
        if (out->len < MC_RUN_MAX_OUTPUT)
            str_append(out, buf, (size_t)n);
    }
}

int mc_run(const char *const argv[], const mc_run_opts *opts, mc_run_result *r, str_t *why)
{
    mc_run_opts o = *opts;
    FILE *cap_out = NULL, *cap_err = NULL;
    int out_fd = -1, err_fd = -1, master = -1, slave = -1, status = 0, rc = 0;
    pid_t pid;

    mc_run_result_free(r);
    mc_run_result_init(r);
    if (o.timeout <= 0)
        o.timeout = 120;
    if (o.pty) {
        if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
            str_printf(why, "openpty: %s", strerror(errno));
            return -1;
        }
        out_fd = err_fd = slave;
    } else {
        cap_err = tmpfile();
        if (o.stdout_path)
            out_fd = open(o.stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        else if ((cap_out = tmpfile()) != NULL)
            out_fd = fileno(cap_out);
        err_fd = cap_err ? fileno(cap_err) : -1;
        if (out_fd < 0 || err_fd < 0) {
            str_printf(why, "%s: cannot capture output: %s", argv[0], strerror(errno));
            rc = -1;
            goto done;
        }
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        str_printf(why, "fork: %s", strerror(errno));
        rc = -1;
        goto done;
    }
    if (pid == 0) {
        if (o.pty)
            setsid();
        else
            setpgid(0, 0);
        child(argv, &o, out_fd, err_fd);
    }
    if (o.pty) {
        close(slave);
        slave = -1;
        drain_pty(master, pid, o.timeout, &r->out);
    }
    if (wait_child(pid, o.timeout, &status) < 0) {
        str_printf(why, "%s: did not finish within %d seconds", argv[0], o.timeout);
        rc = -1;
        goto done;
    }
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    read_capture(cap_out, &r->out);
    read_capture(cap_err, &r->err);
done:
    if (o.stdout_path && out_fd >= 0)
        close(out_fd);
    if (cap_out)
        fclose(cap_out);
    if (cap_err)
        fclose(cap_err);
    if (slave >= 0)
        close(slave);
    if (master >= 0)
        close(master);
    return rc;
}

void mc_run_libdir(const char *root, const char *rel, mc_run_opts *o, str_t *libdir)
{
    if (*root) {
        str_printf(libdir, "%s/%s", root, rel);
        o->ld_library_path = libdir->buf;
    }
}

int mc_run_find(const char *root, const char *const *names, str_t *out)
{
    for (; *names; names++) {
        str_clear(out);
        str_printf(out, "%s%s", root, *names);
        if (access(out->buf, X_OK) == 0)
            return 0;
    }
    return -1;
}
