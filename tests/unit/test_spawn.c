/* test_spawn.c - lib/core/spawn: programs run with captured, bounded
 * output and a time limit.  A table of runs (exit codes, signals, output
 * over the bound, stdin, environment, a pseudo-terminal, the time limit, a
 * missing program), then what a table row cannot show: the whole process
 * group killed at the time limit, a descendant that keeps the pipe open,
 * no SIGPIPE left to the caller.  The children are /bin/sh scripts (the
 * test's choice: spawn itself runs no shell). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/spawn.h"

#define SH "/bin/sh"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run_case {
    const char *name;
    const char *script;       /* sh -c SCRIPT; NULL: argv0 alone */
    const char *argv0;        /* default SH */
    const char *stdin_data;   /* NULL: /dev/null */
    const char *const env[3]; /* env_add */
    bool pty, c_locale;
    size_t max_output;
    unsigned timeout_ms;
    int rc; /* spawn_run's return */
    spawn_end end;
    int code;                /* exit status, signal, or errno (NOT_RUN) */
    int status;              /* spawn_status() */
    const char *out, *err;   /* exact; NULL: not looked at */
    const char *out_has;     /* substring of out */
    const char *why_has;     /* substring of why; NULL: why must be empty */
    size_t out_len, err_len; /* when not 0: that length exactly, and truncated */
    double max_seconds;      /* 0: 20 */
} run_case;

static const run_case cases[] = {
    {"exit 0 with output", "echo hello; echo warn >&2", .end = SPAWN_EXITED, .code = 0,
     .out = "hello\n", .err = "warn\n"},
    {"exit 3", "exit 3", .end = SPAWN_EXITED, .code = 3, .status = 3, .out = "", .err = ""},
    {"exit 127 is the program's own", "exit 127", .end = SPAWN_EXITED, .code = 127, .status = 127},
    {"killed by a signal", "echo before; kill -TERM $$", .end = SPAWN_SIGNALED, .code = SIGTERM,
     .status = 128 + SIGTERM, .out = "before\n"},
    {"SIGKILL", "kill -KILL $$", .end = SPAWN_SIGNALED, .code = SIGKILL, .status = 128 + SIGKILL},
    {"stdout over the bound", "head -c 300000 /dev/zero | tr '\\0' x", .max_output = 1000,
     .end = SPAWN_EXITED, .out_len = 1000, .err = ""},
    {"stderr over the bound, stdout not", "echo ok; head -c 200000 /dev/zero >&2",
     .max_output = 100, .end = SPAWN_EXITED, .out = "ok\n", .err_len = 100},
    {"stdin from data", "cat; echo end", .stdin_data = "line 1\nline 2\n", .end = SPAWN_EXITED,
     .out = "line 1\nline 2\nend\n"},
    {"stdin empty data", "cat; echo end", .stdin_data = "", .end = SPAWN_EXITED, .out = "end\n"},
    {"stdin /dev/null by default", "cat; echo end", .end = SPAWN_EXITED, .out = "end\n"},
    {"stdin not read", "exit 0", .stdin_data = "ignored\n", .end = SPAWN_EXITED},
    {"environment added and replaced", "echo \"$SPAWN_T1 $SPAWN_T2\"; env | grep -c ^SPAWN_T1=",
     .env = {"SPAWN_T1=new", "SPAWN_T2=two"}, .end = SPAWN_EXITED, .out = "new two\n1\n"},
    {"environment kept", "echo \"$SPAWN_T1\"", .end = SPAWN_EXITED, .out = "old\n"},
    {"C locale", "echo \"$LC_ALL\"; env | grep -c ^LC_ALL=", .c_locale = true, .end = SPAWN_EXITED,
     .out = "C\n1\n"},
    {"C locale, but env_add sets LC_ALL", "echo \"$LC_ALL\"", .c_locale = true,
     .env = {"LC_ALL=C.UTF-8"}, .end = SPAWN_EXITED, .out = "C.UTF-8\n"},
    {"locale kept without c_locale", "echo \"$LC_ALL\"", .end = SPAWN_EXITED, .out = "POSIX\n"},
    {"pseudo-terminal", "test -t 1 && test -t 2 && echo tty; echo err >&2", .pty = true,
     .end = SPAWN_EXITED, .out_has = "tty\r\nerr\r\n", .err = ""},
    {"no terminal without pty", "test -t 1 || echo pipe", .end = SPAWN_EXITED, .out = "pipe\n"},
    {"time limit", "echo started; exec sleep 30", .timeout_ms = 300, .rc = -1,
     .end = SPAWN_TIMED_OUT, .status = -1, .out = "started\n",
     .why_has = SH ": did not finish within 300 ms; killed", .max_seconds = 10},
    {"time limit in seconds", "sleep 30", .timeout_ms = 1000, .rc = -1, .end = SPAWN_TIMED_OUT,
     .status = -1, .why_has = "within 1 seconds", .max_seconds = 10},
    {"missing program", NULL, "/nonexistent/milterkit-prog", .rc = -1, .end = SPAWN_NOT_RUN,
     .code = ENOENT, .status = -1,
     .why_has = "/nonexistent/milterkit-prog: No such file or directory"},
    {"not executable", NULL, "/etc/passwd", .rc = -1, .end = SPAWN_NOT_RUN, .code = EACCES,
     .status = -1, .why_has = "/etc/passwd: Permission denied"},
    {"a directory", NULL, "/", .rc = -1, .end = SPAWN_NOT_RUN, .code = EACCES, .status = -1,
     .why_has = "/: Permission denied"},
};

static void check_case(const run_case *c)
{
    const char *argv[] = {c->argv0 ? c->argv0 : SH, "-c", c->script, NULL};
    spawn_opts o = {.env_add = c->env[0] ? c->env : NULL,
                    .c_locale = c->c_locale,
                    .stdin_data = c->stdin_data,
                    .stdin_len = c->stdin_data ? strlen(c->stdin_data) : 0,
                    .pty = c->pty,
                    .max_output = c->max_output,
                    .timeout_ms = c->timeout_ms};
    spawn_result r;
    str_t why;
    double t0 = now_s(), took;
    int rc;

    if (c->script == NULL)
        argv[1] = NULL;
    str_init(&why);
    spawn_result_init(&r);
    rc = spawn_run(argv, &o, &r, &why);
    took = now_s() - t0;
    if (rc != c->rc || r.end != c->end || (c->end == SPAWN_NOT_RUN ? r.error : r.code) != c->code)
        fail_msg("%s: rc %d end %d code %d error %d, want rc %d end %d code %d (%s)", c->name, rc,
                 r.end, r.code, r.error, c->rc, c->end, c->code, why.buf);
    if (spawn_status(&r) != c->status)
        fail_msg("%s: status %d, want %d", c->name, spawn_status(&r), c->status);
    if (c->out != NULL && strcmp(r.out.buf, c->out) != 0)
        fail_msg("%s: out \"%s\", want \"%s\"", c->name, r.out.buf, c->out);
    if (c->err != NULL && strcmp(r.err.buf, c->err) != 0)
        fail_msg("%s: err \"%s\", want \"%s\"", c->name, r.err.buf, c->err);
    if (c->out_has != NULL && strstr(r.out.buf, c->out_has) == NULL)
        fail_msg("%s: out \"%s\" lacks \"%s\"", c->name, r.out.buf, c->out_has);
    if ((c->out_len != 0 && r.out.len != c->out_len) || r.out_truncated != (c->out_len != 0))
        fail_msg("%s: out %zu bytes truncated %d, want %zu", c->name, r.out.len, r.out_truncated,
                 c->out_len);
    if ((c->err_len != 0 && r.err.len != c->err_len) || r.err_truncated != (c->err_len != 0))
        fail_msg("%s: err %zu bytes truncated %d, want %zu", c->name, r.err.len, r.err_truncated,
                 c->err_len);
    if ((c->why_has == NULL) != (why.len == 0) ||
        (c->why_has != NULL && strstr(why.buf, c->why_has) == NULL))
        fail_msg("%s: why \"%s\", want \"%s\"", c->name, why.buf, c->why_has ? c->why_has : "");
    if (took > (c->max_seconds > 0 ? c->max_seconds : 20))
        fail_msg("%s: took %.1f s", c->name, took);
    spawn_result_free(&r);
    str_free(&why);
}

/* Open file descriptors of this process. */
static size_t open_fds(void)
{
    size_t n = 0;

    for (int fd = 0; fd < 1024; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

static void table(void **state)
{
    size_t fds = open_fds();

    (void)state;
    assert_int_equal(setenv("SPAWN_T1", "old", 1), 0);
    assert_int_equal(setenv("LC_ALL", "POSIX", 1), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i]);
    assert_int_equal(open_fds(), fds); /* none left open, whatever the case */
}

/* NULL opts: every default; r reused (reset first). */
static void defaults_and_reuse(void **state)
{
    const char *argv[] = {SH, "-c", "echo one", NULL};
    const char *argv2[] = {SH, "-c", "echo two >&2; exit 4", NULL};
    spawn_result r;
    str_t why;

    (void)state;
    str_init(&why);
    spawn_result_init(&r);
    assert_int_equal(spawn_run(argv, NULL, &r, &why), 0);
    assert_string_equal(r.out.buf, "one\n");
    assert_int_equal(spawn_run(argv2, NULL, &r, &why), 0);
    assert_string_equal(r.out.buf, "");
    assert_string_equal(r.err.buf, "two\n");
    assert_int_equal(spawn_status(&r), 4);
    assert_int_equal(why.len, 0);
    spawn_result_free(&r);
    str_free(&why);
}

/* A variable of env_add replaces the caller's: once in the environment
 * (env(1) shows duplicates, which a shell would hide). */
static void env_replaced_once(void **state)
{
    const char *argv[] = {"/usr/bin/env", NULL};
    const char *const add[] = {"SPAWN_T3=new", NULL};
    spawn_opts o = {.env_add = add};
    spawn_result r;
    str_t why;

    (void)state;
    assert_int_equal(setenv("SPAWN_T3", "old", 1), 0);
    str_init(&why);
    spawn_result_init(&r);
    assert_int_equal(spawn_run(argv, &o, &r, &why), 0);
    assert_non_null(strstr(r.out.buf, "\nSPAWN_T3=new\n"));
    assert_null(strstr(r.out.buf, "SPAWN_T3=old"));
    assert_non_null(strstr(r.out.buf, "\nPATH="));
    spawn_result_free(&r);
    str_free(&why);
}

/* A megabyte through cat: feeding and reading at once, no deadlock. */
static void large_stdin(void **state)
{
    size_t n = 1024 * 1024 + 17;
    char *data = malloc(n);
    const char *argv[] = {"/bin/cat", NULL};
    spawn_opts o = {.stdin_data = data, .stdin_len = n, .max_output = 2 * n};
    spawn_result r;
    str_t why;

    (void)state;
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('a' + i % 26);
    str_init(&why);
    spawn_result_init(&r);
    assert_int_equal(spawn_run(argv, &o, &r, &why), 0);
    assert_int_equal(r.out.len, n);
    assert_memory_equal(r.out.buf, data, n);
    spawn_result_free(&r);
    str_free(&why);
    free(data);
}

/* A child that exits without reading a large input: the writes fail with
 * EPIPE, and the caller is neither killed by SIGPIPE nor left with one
 * pending. */
static void no_sigpipe_left(void **state)
{
    size_t n = 4 * 1024 * 1024;
    char *data = calloc(1, n);
    const char *argv[] = {SH, "-c", "head -c 10 >/dev/null; exit 0", NULL};
    spawn_opts o = {.stdin_data = data, .stdin_len = n};
    spawn_result r;
    sigset_t pending;
    str_t why;

    (void)state;
    assert_non_null(data);
    str_init(&why);
    spawn_result_init(&r);
    assert_int_equal(spawn_run(argv, &o, &r, &why), 0);
    assert_int_equal(spawn_status(&r), 0);
    sigpending(&pending);
    assert_false(sigismember(&pending, SIGPIPE));
    spawn_result_free(&r);
    str_free(&why);
    free(data);
}

/* Is pid gone (or a zombie waiting for init)?  Waits up to 10 s. */
static bool gone(pid_t pid)
{
    for (int i = 0; i < 1000; i++) {
        char path[64], state = '?';
        FILE *f;
        struct timespec tick = {0, 10 * 1000 * 1000};

        snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
        f = fopen(path, "r");
        if (f == NULL)
            return true;
        if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
            state = '?';
        fclose(f);
        if (state == 'Z' || state == 'X')
            return true;
        nanosleep(&tick, NULL);
    }
    return false;
}

/* At the time limit the whole group goes: a grandchild too. */
static void timeout_kills_group(void **state)
{
    const char *argv[] = {SH, "-c", "sleep 60 & echo $!; wait", NULL};
    spawn_opts o = {.timeout_ms = 500};
    spawn_result r;
    str_t why;
    long grandchild;

    (void)state;
    str_init(&why);
    spawn_result_init(&r);
    assert_int_equal(spawn_run(argv, &o, &r, &why), -1);
    assert_int_equal(r.end, SPAWN_TIMED_OUT);
    grandchild = strtol(r.out.buf, NULL, 10);
    assert_true(grandchild > 1);
    if (!gone((pid_t)grandchild)) {
        kill((pid_t)grandchild, SIGKILL);
        fail_msg("the grandchild %ld outlived the time limit", grandchild);
    }
    spawn_result_free(&r);
    str_free(&why);
}

/* The run ends with the child, not with a descendant holding its stdout. */
static void descendant_keeps_pipe(void **state)
{
    const char *argv[] = {SH, "-c", "sleep 5 & echo $!; echo done", NULL};
    spawn_result r;
    str_t why;
    double t0 = now_s();

    (void)state;
    str_init(&why);
    spawn_result_init(&r);
    assert_int_equal(spawn_run(argv, NULL, &r, &why), 0);
    assert_true(now_s() - t0 < 4);
    assert_non_null(strstr(r.out.buf, "done\n"));
    kill((pid_t)strtol(r.out.buf, NULL, 10), SIGKILL);
    spawn_result_free(&r);
    str_free(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(defaults_and_reuse),
        cmocka_unit_test(env_replaced_once),
        cmocka_unit_test(large_stdin),
        cmocka_unit_test(no_sigpipe_left),
        cmocka_unit_test(timeout_kills_group),
        cmocka_unit_test(descendant_keeps_pipe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
