/* mc_smrun.c - sendmail -bt on the generated .cf, and its restart; see
 * mc_smrun.h. */
#include "config.h"

#include "mc_smrun.h"

#include "mc_apply.h"
#include "mc_msg.h"
#include "mc_run.h"
#include "mc_sasl.h"
#include "core/fileio.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MC_CF_MAX (4 * 1024 * 1024)
#define SYSTEM_CONFIG_DIR "/etc/mail"
/* sendmail's pid file when the .cf names none (_PATH_SENDMAILPID). */
#define DEFAULT_PID_FILE "/var/run/sendmail.pid"
/* How long a restarted sendmail may take to write its pid file again. */
#define RESTART_WAIT 60

/* Lines of `sendmail -bt -d0.1` that are only its banner and prompt; what
 * remains are complaints ("FILE: line N: readcf: ..."). */
static bool noise(const char *line)
{
    static const char *const prefixes[] = {"Version ", "=====", "ADDRESS TEST MODE",
                                           "Enter <ruleset>", ">", NULL};

    if (*line == '\0' || *line == ' ' || *line == '\t')
        return true;
    for (const char *const *p = prefixes; *p; p++)
        if (strncmp(line, *p, strlen(*p)) == 0)
            return true;
    return false;
}

/* sendmail sleeps 60 s when it cannot qualify the host name. */
static void hostname_hint(void)
{
    char host[256];

    if (gethostname(host, sizeof host) == 0 && memchr(host, '\0', sizeof host) != NULL &&
        strchr(host, '.') == NULL)
        mc_note("this host's name \"%s\" is not qualified: sendmail may wait 60 seconds "
                "trying to qualify it (cf/README: WHO AM I?)", host);
}

/* sendmail -C STAGED.cf -bt -d0.1 < /dev/null: its complaints. */
static int bt_check(mc_job *j)
{
    static const char *const progs[] = {"/usr/libexec/sendmail/sendmail", "/usr/sbin/sendmail",
                                        "/usr/lib/sendmail", NULL};
    str_t prog, cf, why;
    mc_run_result r;
    mc_run_opts o = {.timeout = 120};
    int rc = 0;

    str_init(&prog), str_init(&cf), str_init(&why);
    mc_run_result_init(&r);
    if (mc_run_find(j->mta_root, progs, &prog) < 0) {
        mc_error("--check: sendmail not found under %s/ (give --mta-root DIR)", j->mta_root);
        rc = -1;
        goto out;
    }
    mc_out_path(&j->out, "sendmail.cf", &cf);
    hostname_hint();
    {
        const char *argv[] = {prog.buf, "-C", cf.buf, "-bt", "-d0.1", NULL};
        char *line;

        if (mc_run(argv, &o, &r, &why) < 0) {
            mc_error("sendmail -bt: %s", why.buf);
            rc = -1;
            goto out;
        }
        str_append(&r.out, r.err.buf, r.err.len);
        for (line = r.out.buf; line && *line;) {
            char *nl = strchr(line, '\n');

            if (nl)
                *nl = '\0';
            if (!noise(line)) {
                mc_error("sendmail rejects the generated sendmail.cf: %s", line);
                rc = -1;
            }
            line = nl ? nl + 1 : NULL;
        }
        if (r.status != 0) {
            mc_error("sendmail -C sendmail.cf -bt exited with %d", r.status);
            rc = -1;
        }
    }
out:
    mc_run_result_free(&r);
    str_free(&prog), str_free(&cf), str_free(&why);
    return rc;
}

int mc_smrun_check(mc_job *j)
{
    return bt_check(j);
}

/* The PidFile of the staged sendmail.cf, in out. */
static void pid_file(mc_job *j, str_t *out)
{
    str_t cf, why;
    const char *p;

    str_init(&cf), str_init(&why);
    if (fileio_read(mc_out_path(&j->out, "sendmail.cf", &why), MC_CF_MAX, &cf, &why) == 0 &&
        (p = strstr(cf.buf, "\nO PidFile=")) != NULL) {
        p += strlen("\nO PidFile=");
        str_append(out, p, strcspn(p, "\n"));
    } else
        str_append_cstr(out, DEFAULT_PID_FILE);
    str_free(&cf), str_free(&why);
}

/* The pid in path (its first line) and the file's modification time. */
static pid_t read_pid(const char *path, struct timespec *mtime)
{
    str_t text, why;
    struct stat st;
    char *end;
    long pid = 0;

    str_init(&text), str_init(&why);
    if (stat(path, &st) == 0 && fileio_read(path, 4096, &text, &why) == 0) {
        errno = 0;
        pid = strtol(text.buf, &end, 10);
        if (errno != 0 || end == text.buf || pid <= 1 || (*end != '\n' && *end != '\0'))
            pid = 0;
        *mtime = st.st_mtim;
    }
    str_free(&text), str_free(&why);
    return (pid_t)pid;
}

static bool systemd_running(void)
{
    return access("/run/systemd/system", F_OK) == 0;
}

/* systemctl ARGS...; its exit status, or -1. */
static int systemctl(const char *a1, const char *a2, const char *a3)
{
    const char *argv[] = {"/bin/systemctl", a1, a2, a3, NULL};
    mc_run_result r;
    mc_run_opts o = {0};
    str_t why;
    int status;

    str_init(&why);
    mc_run_result_init(&r);
    status = mc_run(argv, &o, &r, &why) < 0 ? -1 : r.status;
    if (status > 0 && strcmp(a1, "is-active") != 0)
        mc_error("systemctl %s %s: %s%s", a1, a2, r.out.buf, r.err.buf);
    mc_run_result_free(&r);
    str_free(&why);
    return status;
}

/* SIGHUP to the running sendmail, then waits until it has written its pid
 * file again (it execs itself and reads the new .cf). */
static int hangup(mc_job *j)
{
    struct timespec before, now, tick = {0, 100 * 1000 * 1000};
    str_t path;
    pid_t pid;
    int rc = -1;

    str_init(&path);
    pid_file(j, &path);
    pid = read_pid(path.buf, &before);
    if (pid == 0 || kill(pid, 0) < 0) {
        mc_note("sendmail is not running (no live pid in %s): start it", path.buf);
        rc = 0;
    } else if (kill(pid, SIGHUP) < 0)
        mc_error("kill -HUP %ld (%s): %s", (long)pid, path.buf, strerror(errno));
    else {
        for (int i = 0; i < RESTART_WAIT * 10 && rc < 0; i++) {
            nanosleep(&tick, NULL);
            if (read_pid(path.buf, &now) == pid &&
                (now.tv_sec != before.tv_sec || now.tv_nsec != before.tv_nsec))
                rc = 0;
        }
        if (rc < 0)
            mc_error("sendmail (pid %ld) did not write %s again within %d seconds after "
                     "SIGHUP: did it fail to start with the new sendmail.cf? (see its log)",
                     (long)pid, path.buf, RESTART_WAIT);
        else
            mc_note("restarted sendmail (pid %ld, SIGHUP)", (long)pid);
    }
    str_free(&path);
    return rc;
}

/* Restarts the sendmail of mta.config_dir. */
static int restart(mc_job *j)
{
    if (systemd_running() && *j->mta_root == '\0' &&
        strcmp(j->config_dir, SYSTEM_CONFIG_DIR) == 0) {
        if (systemctl("is-active", "--quiet", "sendmail") != 0) {
            mc_note("sendmail is not running: start it with systemctl start sendmail");
            return 0;
        }
        if (systemctl("restart", "sendmail", NULL) != 0)
            return -1;
        mc_note("restarted sendmail (systemctl restart sendmail)");
        return 0;
    }
    return hangup(j);
}

int mc_smrun_apply(mc_job *j)
{
    mc_apply a;
    str_t link, why;
    int rc = -1;

    mc_apply_init(&a);
    str_init(&link), str_init(&why);
    if (mc_apply_install(&a, &j->out, j->config_dir) < 0)
        goto fail;
    if (mc_sasl_link(j, &link, &why) < 0) {
        mc_error("%s", why.buf);
        goto fail;
    }
    if (link.len > 0) {
        mc_apply_created(&a, link.buf);
        mc_note("linked %s to %s/%s", link.buf, j->config_dir, mc_sasl_conf_name(j));
    }
    if (restart(j) < 0)
        goto fail;
    mc_apply_report(&a);
    rc = 0;
    goto out;
fail:
    mc_error("--apply failed: putting the files back as they were");
    mc_apply_rollback(&a);
out:
    mc_apply_free(&a);
    str_free(&link), str_free(&why);
    return rc;
}
