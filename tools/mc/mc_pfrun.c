/* mc_pfrun.c - postconf, postfix check and reload on the generated
 * settings; see mc_pfrun.h. */
#include "config.h"

#include "mc_pfrun.h"

#include "mc_apply.h"
#include "mc_msg.h"
#include "mc_postfix.h"
#include "mc_run.h"
#include "mc_sasl.h"
#include "core/fileio.h"

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define MC_PF_MAX (1024 * 1024)
#define SYSTEM_CONFIG_DIR "/etc/postfix"

/* The Postfix programs and how to run them. */
typedef struct pf_tools {
    str_t postconf, postfix, libdir;
    mc_run_opts o;
} pf_tools;

static void tools_init(pf_tools *t)
{
    memset(t, 0, sizeof *t);
    str_init(&t->postconf), str_init(&t->postfix), str_init(&t->libdir);
}

static void tools_free(pf_tools *t)
{
    str_free(&t->postconf), str_free(&t->postfix), str_free(&t->libdir);
}

/* Finds the programs (t initialised with tools_init). */
static int tools_find(const mc_job *j, pf_tools *t, const char *why_needed)
{
    static const char *const pc[] = {"/usr/sbin/postconf", NULL};
    static const char *const pf[] = {"/usr/sbin/postfix", NULL};

    mc_run_libdir(j->mta_root, "usr/lib/postfix", &t->o, &t->libdir);
    if (mc_run_find(j->mta_root, pc, &t->postconf) < 0 ||
        mc_run_find(j->mta_root, pf, &t->postfix) < 0) {
        mc_error("%s: postconf or postfix not found under %s/ (install postfix, or give "
                 "--mta-root DIR)",
                 why_needed, j->mta_root);
        return -1;
    }
    return 0;
}

/* Warnings of `postfix check` about files of the installation (ownership,
 * set-gid bits), which no main.cf setting changes. */
static bool installation(const char *w, size_t n)
{
    static const char *const what[] = {"not owned by", "not set-gid", "group or other writable",
                                       NULL};

    for (const char *const *p = what; *p; p++)
        for (size_t i = 0; i + strlen(*p) <= n; i++)
            if (strncmp(w + i, *p, strlen(*p)) == 0)
                return true;
    return false;
}

/* postfix check compares the files in the chroot's etc with /etc: its
 * "QUEUE/etc/sasldb2 and /etc/sasldb2 differ" is about the SASL users'
 * copy, which mc_sasl_check_postfix() judges (against
 * mta.submission.sasldb, with the command that fixes it). */
static bool sasldb_copy_line(const char *w, size_t n)
{
    static const char tail[] = "/etc/sasldb2 and /etc/sasldb2 differ";

    return n >= sizeof tail - 1 && memcmp(w + n - (sizeof tail - 1), tail, sizeof tail - 1) == 0;
}

/* Reports the warning and fatal lines of a Postfix command's output. */
static int report_lines(const char *what, const char *text)
{
    int rc = 0;
    const char *p = text;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p), len = n;
        const char *w = NULL;

        while (n > 0 && p[n - 1] == '\r') /* a pseudo-terminal's line end */
            n--;
        for (size_t i = 0; i + 6 <= n && w == NULL; i++)
            if ((i + 8 <= n && strncmp(p + i, "warning:", 8) == 0) ||
                strncmp(p + i, "fatal:", 6) == 0 || strncmp(p + i, "error:", 6) == 0)
                w = p + i;
        if (w && sasldb_copy_line(w, n - (size_t)(w - p)))
            ; /* judged by mc_sasl_check_postfix() */
        else if (w && installation(w, n - (size_t)(w - p)))
            mc_warn("%s (about the Postfix installation, not this configuration): %.*s", what,
                    (int)(n - (size_t)(w - p)), w);
        else if (w) {
            mc_error("%s: %.*s", what, (int)(n - (size_t)(w - p)), w);
            rc = -1;
        }
        p += len + (nl ? 1 : 0);
    }
    return rc;
}

/* Copies main.cf and master.cf of mta.config_dir into dir. */
static int copy_config(const mc_job *j, const char *dir)
{
    static const char *const files[] = {"main.cf", "master.cf"};
    str_t src, dst, why;
    int rc = 0;

    str_init(&src), str_init(&dst), str_init(&why);
    for (size_t i = 0; i < 2 && rc == 0; i++) {
        str_clear(&src), str_clear(&dst);
        str_printf(&src, "%s/%s", j->config_dir, files[i]);
        str_printf(&dst, "%s/%s", dir, files[i]);
        if (fileio_copy(src.buf, dst.buf, 0644, FILEIO_KEEP_UID, FILEIO_KEEP_GID, &why) < 0) {
            mc_error("the installed Postfix configuration (mta.config_dir) is needed to apply "
                     "the settings to: %s",
                     why.buf);
            rc = -1;
        }
    }
    str_free(&src), str_free(&dst), str_free(&why);
    return rc;
}

/* Runs `postconf -c dir` with each of the settings' commands. */
static int postconf_apply(const mc_job *j, pf_tools *t, const char *dir)
{
    str_t cmds, why;
    mc_run_result r;
    int rc = 0;

    str_init(&cmds), str_init(&why);
    mc_run_result_init(&r);
    mc_postfix_commands(j, &cmds);
    for (char *p = cmds.buf; *p && rc == 0;) {
        char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
        const char *argv[] = {t->postconf.buf, "-c", dir, p, tab + 1, NULL};

        *tab = '\0';
        *nl = '\0';
        if (mc_run(argv, &t->o, &r, &why) < 0 || r.status != 0) {
            mc_error("postconf -c %s %s '%s': %s%s", dir, p, tab + 1, why.buf, r.err.buf);
            rc = -1;
        } else
            rc = report_lines("postconf", r.err.buf);
        p = nl + 1;
    }
    mc_run_result_free(&r);
    str_free(&cmds), str_free(&why);
    return rc;
}

/* `postconf -c dir ARG` (ARG "-n", "-M", "-h mail_owner"): its output in
 * out, its warnings reported. */
static int postconf_show(pf_tools *t, const char *dir, const char *arg, const char *name,
                         str_t *out)
{
    str_t why;
    mc_run_result r;
    int rc = 0;

    str_init(&why);
    mc_run_result_init(&r);
    {
        const char *argv[] = {t->postconf.buf, "-c", dir, arg, name, NULL};

        if (mc_run(argv, &t->o, &r, &why) < 0 || r.status != 0) {
            mc_error("postconf -c %s %s: %s%s", dir, arg, why.buf, r.err.buf);
            rc = -1;
        } else {
            rc = report_lines("postconf", r.err.buf);
            str_append(out, r.out.buf, r.out.len);
        }
    }
    mc_run_result_free(&r);
    str_free(&why);
    return rc;
}

/* `postfix -c dir ARGS` on a pseudo-terminal (Postfix commands log to
 * stderr only then).  Returns its exit status, or -1 (reported). */
static int postfix_cmd(pf_tools *t, const char *dir, const char *a1, const char *a2, str_t *out)
{
    str_t why;
    mc_run_result r;
    mc_run_opts o = t->o;
    int status = -1;

    str_init(&why);
    mc_run_result_init(&r);
    o.pty = true;
    {
        const char *argv[] = {t->postfix.buf, "-c", dir, a1, a2, NULL};

        if (mc_run(argv, &o, &r, &why) < 0)
            mc_error("postfix %s: %s", a1, why.buf);
        else {
            status = r.status;
            str_append(out, r.out.buf, r.out.len);
        }
    }
    mc_run_result_free(&r);
    str_free(&why);
    return status;
}

/* `postfix check` on dir: 0, or -1 (reported). */
static int postfix_check(pf_tools *t, const char *dir)
{
    str_t out;
    int status, rc = 0;

    str_init(&out);
    status = postfix_cmd(t, dir, "check", NULL, &out);
    if (status < 0 || report_lines("postfix check", out.buf) < 0)
        rc = -1;
    if (status > 0) {
        mc_error("postfix check exited with %d: %s", status, out.buf);
        rc = -1;
    }
    str_free(&out);
    return rc;
}

/* Postfix's mail_owner, who runs smtpd (Debian: postfix). */
static void mail_owner(pf_tools *t, const char *dir, str_t *out)
{
    str_t v;

    str_init(&v);
    if (postconf_show(t, dir, "-h", "mail_owner", &v) == 0)
        str_append(out, v.buf, strcspn(v.buf, "\n"));
    if (out->len == 0)
        str_append_cstr(out, "postfix");
    str_free(&v);
}

/* The settings applied to a copy of the configuration in STAGE/name. */
static int applied_copy(mc_job *j, pf_tools *t, const char *name, str_t *dir)
{
    mc_out_path(&j->out, name, dir);
    if (fileio_mkdirs(dir->buf, 0755) < 0) {
        mc_error("%s: cannot create it", dir->buf);
        return -1;
    }
    if (copy_config(j, dir->buf) < 0 || postconf_apply(j, t, dir->buf) < 0)
        return -1;
    return 0;
}

int mc_pfrun_check(mc_job *j)
{
    pf_tools t;
    str_t dir, n;
    int rc = -1;

    tools_init(&t);
    str_init(&dir), str_init(&n);
    if (tools_find(j, &t, j->apply ? "--apply" : "--check") < 0)
        goto out;
    if (applied_copy(j, &t, "check", &dir) < 0)
        goto out;
    rc = 0;
    if (postconf_show(&t, dir.buf, "-n", NULL, &n) < 0)
        rc = -1;
    if (postfix_check(&t, dir.buf) < 0)
        rc = -1;
out:
    tools_free(&t);
    str_free(&dir), str_free(&n);
    return rc;
}

int mc_pfrun_check_sasl(mc_job *j)
{
    pf_tools t;
    str_t owner;
    int rc = -1;

    tools_init(&t);
    str_init(&owner);
    if (tools_find(j, &t, j->apply ? "--apply" : "--check") == 0) {
        mail_owner(&t, j->config_dir, &owner);
        rc = mc_sasl_check_postfix(j, owner.buf);
    }
    tools_free(&t);
    str_free(&owner);
    return rc;
}

/* Writes text into the stage as name; returns its path in path. */
static int stage_text(mc_job *j, const char *name, const str_t *text, str_t *path)
{
    str_t why;
    int rc;

    str_init(&why);
    mc_out_path(&j->out, name, path);
    rc = fileio_replace(path->buf, text->buf, text->len, 0600, FILEIO_KEEP_UID, FILEIO_KEEP_GID,
                        &why);
    if (rc < 0)
        mc_error("%s", why.buf);
    str_free(&why);
    return rc;
}

/* Drops the config_directory line postconf -n shows for -c DIR: the copy
 * is elsewhere, and that is no change. */
static void drop_config_directory(str_t *text)
{
    char *p = text->buf;

    while (p && *p) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl + 1 - p) : strlen(p);

        if (strncmp(p, "config_directory = ", 19) == 0) {
            memmove(p, p + n, text->len - (size_t)(p - text->buf) - n + 1);
            text->len -= n;
            continue;
        }
        p = nl ? nl + 1 : NULL;
    }
}

/* diff -u of `postconf ARG` before and after; 1 when it changes. */
static int diff_one(mc_job *j, pf_tools *t, const char *after_dir, const char *arg)
{
    bool n = strcmp(arg, "-n") == 0;
    str_t now, then, pnow, pthen, lnow, lthen;
    int rc = -1;

    str_init(&now), str_init(&then), str_init(&pnow), str_init(&pthen);
    str_init(&lnow), str_init(&lthen);
    str_printf(&lnow, "postconf %s (%s, now)", arg, j->config_dir);
    str_printf(&lthen, "postconf %s (after --apply)", arg);
    if (postconf_show(t, j->config_dir, arg, NULL, &now) < 0 ||
        postconf_show(t, after_dir, arg, NULL, &then) < 0)
        goto out;
    drop_config_directory(&now);
    drop_config_directory(&then);
    if (stage_text(j, n ? "postconf-n.now" : "postconf-M.now", &now, &pnow) == 0 &&
        stage_text(j, n ? "postconf-n.after" : "postconf-M.after", &then, &pthen) == 0)
        rc = mc_out_diff_files(lnow.buf, pnow.buf, lthen.buf, pthen.buf);
out:
    str_free(&now), str_free(&then), str_free(&pnow), str_free(&pthen);
    str_free(&lnow), str_free(&lthen);
    return rc;
}

int mc_pfrun_diff(mc_job *j)
{
    pf_tools t;
    str_t dir;
    int rc = -1, n, m;

    tools_init(&t);
    str_init(&dir);
    if (tools_find(j, &t, "--diff") == 0 && applied_copy(j, &t, "diff", &dir) == 0 &&
        (n = diff_one(j, &t, dir.buf, "-n")) >= 0 && (m = diff_one(j, &t, dir.buf, "-M")) >= 0)
        rc = n + m;
    tools_free(&t);
    str_free(&dir);
    return rc;
}

/* Copies the SASL users into the chroot when the copy is not up to date. */
static int sync_copy(mc_job *j, pf_tools *t, mc_apply *a)
{
    str_t copy, owner, why;
    int rc = 0;

    str_init(&copy), str_init(&owner), str_init(&why);
    if (!mc_sasl_chroot_copy(j, &copy) || access(j->mta.submission.sasldb, F_OK) != 0)
        goto out;
    mail_owner(t, j->config_dir, &owner);
    if (a != NULL && mc_apply_save(a, copy.buf) < 0)
        rc = -1;
    else if (mc_sasl_copy(j, owner.buf, copy.buf, &why) < 0) {
        mc_error("%s", why.buf);
        rc = -1;
    } else
        mc_note("copied %s to %s (owner root, group of %s, mode 0640)",
                j->mta.submission.sasldb, copy.buf, owner.buf);
out:
    str_free(&copy), str_free(&owner), str_free(&why);
    return rc;
}

int mc_pfrun_sync_sasldb(mc_job *j)
{
    pf_tools t;
    str_t copy;
    int rc = -1;

    tools_init(&t);
    str_init(&copy);
    if (!mc_sasl_chroot_copy(j, &copy)) {
        mc_note("nothing to copy: Postfix's smtpd %s",
                strcmp(j->flavor, "postfix") != 0 ? "is not the MTA (mta.flavor)"
                : !j->mta.postfix.chroot       ? "does not run chrooted (mta.postfix.chroot)"
                                               : "uses no sasldb (mta.submission)");
        rc = 0;
    } else if (access(j->mta.submission.sasldb, F_OK) != 0)
        mc_error_at("mta.submission.sasldb", "%s: no such file; add users with saslpasswd2 first",
                    j->mta.submission.sasldb);
    else if (tools_find(j, &t, "--sync-sasldb") == 0)
        rc = sync_copy(j, &t, NULL);
    tools_free(&t);
    str_free(&copy);
    return rc;
}

/* systemd runs this machine (sd_booted()'s test). */
static bool systemd_running(void)
{
    return access("/run/systemd/system", F_OK) == 0;
}

/* Reloads the Postfix of mta.config_dir: through systemd for the system's
 * own, else `postfix -c DIR reload` when it runs.  Returns 0, or -1. */
static int reload(mc_job *j, pf_tools *t)
{
    str_t out;
    int rc = 0, status;

    str_init(&out);
    if (systemd_running() && *j->mta_root == '\0' &&
        strcmp(j->config_dir, SYSTEM_CONFIG_DIR) == 0) {
        const char *active[] = {"/bin/systemctl", "is-active", "--quiet", "postfix", NULL};
        const char *reload[] = {"/bin/systemctl", "reload", "postfix", NULL};
        mc_run_result r;
        mc_run_opts o = {0};

        mc_run_result_init(&r);
        if (mc_run(active, &o, &r, &out) < 0 || r.status != 0)
            mc_note("Postfix is not running: start it with systemctl start postfix");
        else if (mc_run(reload, &o, &r, &out) < 0 || r.status != 0) {
            mc_error("systemctl reload postfix failed: %s%s%s", out.buf, r.out.buf, r.err.buf);
            rc = -1;
        } else
            mc_note("reloaded Postfix (systemctl reload postfix)");
        mc_run_result_free(&r);
    } else if ((status = postfix_cmd(t, j->config_dir, "status", NULL, &out)) != 0) {
        if (status > 0)
            mc_note("Postfix is not running: start it with postfix -c %s start", j->config_dir);
        else
            rc = -1;
    } else {
        str_clear(&out);
        status = postfix_cmd(t, j->config_dir, "reload", NULL, &out);
        if (status != 0) {
            mc_error("postfix -c %s reload failed: %s", j->config_dir, out.buf);
            rc = -1;
        } else
            mc_note("reloaded Postfix (postfix -c %s reload)", j->config_dir);
    }
    str_free(&out);
    return rc;
}

/* A reload does not change inet_protocols (postconf(5)): say so. */
static void restart_hint(mc_job *j, pf_tools *t, const char *before)
{
    str_t after;

    str_init(&after);
    if (postconf_show(t, j->config_dir, "-h", "inet_protocols", &after) == 0 &&
        strcmp(before, after.buf) != 0)
        mc_warn("inet_protocols changed (%.*s -> %.*s): a reload does not apply that; "
                "restart Postfix (systemctl restart postfix, or postfix -c %s stop and start)",
                (int)strcspn(before, "\n"), before, (int)strcspn(after.buf, "\n"), after.buf,
                j->config_dir);
    str_free(&after);
}

/* The writes of --apply, each saved first. */
static int apply_steps(mc_job *j, pf_tools *t, mc_apply *a)
{
    str_t p, protocols;
    int rc = -1;

    str_init(&p), str_init(&protocols);
    postconf_show(t, j->config_dir, "-h", "inet_protocols", &protocols);
    str_printf(&p, "%s/main.cf", j->config_dir);
    if (mc_apply_save(a, p.buf) < 0)
        goto out;
    str_clear(&p);
    str_printf(&p, "%s/master.cf", j->config_dir);
    if (mc_apply_save(a, p.buf) < 0 || mc_apply_install(a, &j->out, j->config_dir) < 0 ||
        postconf_apply(j, t, j->config_dir) < 0 || sync_copy(j, t, a) < 0 ||
        postfix_check(t, j->config_dir) < 0)
        goto out;
    restart_hint(j, t, protocols.buf);
    rc = 0;
out:
    str_free(&p), str_free(&protocols);
    return rc;
}

int mc_pfrun_apply(mc_job *j)
{
    pf_tools t;
    mc_apply a;
    int rc = -1;

    tools_init(&t);
    mc_apply_init(&a);
    if (tools_find(j, &t, "--apply") < 0)
        goto out;
    if (apply_steps(j, &t, &a) < 0 || reload(j, &t) < 0) {
        mc_error("--apply failed: putting the files back as they were");
        mc_apply_rollback(&a);
        goto out;
    }
    mc_apply_report(&a);
    rc = 0;
out:
    tools_free(&t);
    mc_apply_free(&a);
    return rc;
}
