/* ck_run.c - run a program with a time limit; see ck_run.h. */
#include "config.h"

#include "ck_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

extern char **environ;

void ck_run_result_init(ck_run_result *r)
{
    r->status = -1;
    str_init(&r->out);
    str_init(&r->err);
}

void ck_run_result_free(ck_run_result *r)
{
    str_free(&r->out);
    str_free(&r->err);
}

/* Length of the NAME= part of an environment entry (0 when there is no '='). */
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
    return strncmp(entry, "LC_ALL=", 7) == 0;
}

/* environ without what env_add replaces, then env_add, then LC_ALL=C. */
static char **build_env(const char *const *add)
{
    size_t n = 0, k = 0, nadd = 0;
    char **env;

    while (environ[n] != NULL)
        n++;
    while (add != NULL && add[nadd] != NULL)
        nadd++;
    env = mem_array(n + nadd + 2, sizeof *env);
    for (size_t i = 0; i < n; i++)
        if (!replaced(environ[i], add))
            env[k++] = environ[i];
    for (size_t i = 0; i < nadd; i++)
        env[k++] = (char *)add[i];
    env[k++] = (char *)"LC_ALL=C";
    env[k] = NULL;
    return env;
}

/* Only async-signal-safe calls between fork() and execve(). */
static _Noreturn void child(const char *const argv[], char **env, int out_fd, int err_fd)
{
    static const char msg[] = "cannot execute the program\n";
    int in = open("/dev/null", O_RDONLY);

    setpgid(0, 0);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        _exit(126);
    execve(argv[0], (char *const *)argv, env);
    if (write(2, msg, sizeof msg - 1) < 0)
        _exit(127);
    _exit(127);
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one chunk from fd into s (bounded); returns false at EOF or error. */
static bool read_some(int fd, str_t *s)
{
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    if (s->len < CK_RUN_MAX_OUTPUT)
        str_append(s, buf, (size_t)n);
    return true;
}

/* Captures both pipes until both are closed or the deadline passes.
 * Returns 0, or -1 on timeout. */
static int capture(int out_fd, int err_fd, long deadline, ck_run_result *r)
{
    struct pollfd p[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};

    while (p[0].fd >= 0 || p[1].fd >= 0) {
        long left = deadline - now_ms();
        int rc;

        if (left <= 0)
            return -1;
        rc = poll(p, 2, (int)(left > 1000 ? 1000 : left));
        if (rc < 0 && errno != EINTR)
            return -1;
        for (int i = 0; i < 2 && rc > 0; i++)
            if (p[i].fd >= 0 && p[i].revents != 0 &&
                !read_some(p[i].fd, i == 0 ? &r->out : &r->err))
                p[i].fd = -1;
    }
    return 0;
}

/* Waits for pid until the deadline; kills its group after it. */
static int reap(pid_t pid, long deadline, int *status)
{
    struct timespec tick = {0, 10 * 1000 * 1000};

    while (now_ms() < deadline) {
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

int ck_run(const char *const argv[], const char *const env_add[], int timeout,
           ck_run_result *r, str_t *why)
{
    int out[2] = {-1, -1}, err[2] = {-1, -1}, status = 0, rc = -1;
    long deadline = now_ms() + (long)(timeout > 0 ? timeout : 60) * 1000;
    char **env = build_env(env_add);
    pid_t pid;

    ck_run_result_free(r);
    ck_run_result_init(r);
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
        str_printf(why, "%s: pipe: %s", argv[0], strerror(errno));
        goto done;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        str_printf(why, "%s: fork: %s", argv[0], strerror(errno));
        goto done;
    }
    if (pid == 0)
        child(argv, env, out[1], err[1]);
    close(out[1]);
    close(err[1]);
    out[1] = err[1] = -1;
    if (capture(out[0], err[0], deadline, r) < 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    } else if (reap(pid, deadline, &status) == 0) {
        r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        rc = 0;
        goto done;
    }
    str_printf(why, "%s: did not finish within %d seconds", argv[0], timeout);
done:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0)
            close(out[i]);
        if (err[i] >= 0)
            close(err[i]);
    }
    mem_free(&env);
    return rc;
}
