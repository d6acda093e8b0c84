/* ck_sendmail.c - sendmail read from sendmail.cf; see ck_sendmail.h. */
#include "config.h"

#include "ck_sendmail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck_smcf.h"
#include "core/mem.h"

/* Reads at most max bytes of path into out.  Returns 0, or -1 with why. */
static int read_file(const char *path, size_t max, str_t *out, str_t *why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char buf[65536];
    ssize_t n;

    if (fd < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (out->len + (size_t)n > max) {
            str_printf(why, "%s: longer than %zu bytes", path, max);
            close(fd);
            return -1;
        }
        str_append(out, buf, (size_t)n);
    }
    if (n < 0)
        str_printf(why, "%s: %s", path, strerror(errno));
    close(fd);
    return n < 0 ? -1 : 0;
}

/* RunAsUser=user[:group] (or a number): the user part. */
static int run_as(const ck_smcf *cf, ck_mta *m, str_t *why)
{
    static const gid_t none[1] = {0};
    str_t name;
    char *colon, *end;
    long uid;
    int rc;

    if (cf->run_as_user == NULL) {
        ck_user_make(&m->user, "root", 0, 0, none, 0);
        m->have_user = true;
        return 0;
    }
    str_init(&name);
    str_append_cstr(&name, cf->run_as_user);
    if ((colon = strchr(name.buf, ':')) != NULL)
        str_truncate(&name, (size_t)(colon - name.buf));
    uid = strtol(name.buf, &end, 10);
    if (name.len > 0 && *end == '\0' && uid >= 0) {
        str_printf(why, "RunAsUser is a number (%ld): give a name to have it checked", uid);
        rc = -1;
    } else
        rc = ck_user_lookup(name.buf, &m->user, why);
    m->have_user = rc == 0;
    str_free(&name);
    return rc;
}

static void add_chain(ck_mta *m, const ck_smcf *cf, const char *cf_path)
{
    str_t fix;
    ck_mta_chain *ch;

    str_init(&fix);
    str_printf(&fix, "in %s: O InputMailFilters=%%s, and F=T in the X line of each of ours "
               "(sendmail.mc: INPUT_MAIL_FILTER lines in that order, with F=T), then restart "
               "sendmail", cf_path);
    ch = ck_mta_add_chain(m, "InputMailFilters (sendmail.cf)", false, fix.buf);
    ch->by_name = true;
    for (size_t i = 0; i < cf->ninput; i++) {
        const ck_sm_filter *f = ck_smcf_filter(cf, cf->input[i]);
        str_t raw;
        ck_mta_entry *e;
        const char *err;

        str_init(&raw);
        if (f == NULL || f->socket == NULL)
            str_printf(&raw, "%s (no X line with S=)", cf->input[i]);
        else
            str_printf(&raw, "%s (S=%s)", cf->input[i], f->socket);
        e = ck_mta_add_entry(ch, raw.buf, cf->input[i]);
        if (f != NULL && f->socket != NULL)
            e->parsed = ck_sock_parse_milter(f->socket, &e->sock, &err) == 0;
        if (f != NULL && (f->flags == NULL || (strchr(f->flags, 'T') == NULL &&
                                              strchr(f->flags, 'R') == NULL)))
            e->fail_open = mem_strdup("its X line has no F=T (or F=R)");
        str_free(&raw);
    }
    str_free(&fix);
}

static void check_submission(ck_report *r, const ck_conf *c, const ck_smcf *cf,
                             const char *cf_path)
{
    str_t port, name, fix;
    bool found = false;

    if (!c->submission)
        return;
    str_init(&port), str_init(&name), str_init(&fix);
    for (size_t i = 0; i < cf->ndaemons && !found; i++) {
        str_clear(&port), str_clear(&name);
        if (ck_smcf_daemon_opt(cf->daemons[i], "Port", &port) == 0 &&
            ck_mta_port_matches(port.buf, c->submission_port)) {
            found = true;
            if (ck_smcf_daemon_opt(cf->daemons[i], "Name", &name) < 0)
                str_append_cstr(&name, "(no Name)");
        }
    }
    if (found) {
        ck_itemf(r, CK_OK, "mta submission", NULL, "daemon %s listens on port %ld", name.buf,
                 c->submission_port);
    } else {
        str_printf(&fix, "milterkit-mc -c %s (it writes DAEMON_OPTIONS(`Port=%ld, Name=MSA, "
                   "M=Ea') into sendmail.mc), rebuild sendmail.cf and restart sendmail",
                   c->path, c->submission_port);
        ck_itemf(r, CK_FAIL, "mta submission", fix.buf,
                 "no DaemonPortOptions with Port=%ld in %s: roaming users cannot submit",
                 c->submission_port, cf_path);
    }
    str_free(&port), str_free(&name), str_free(&fix);
}

int ck_sendmail_read(ck_report *r, const ck_conf *c, const ck_mtaopts *o, ck_mta *m)
{
    str_t path, text, why, fix;
    ck_smcf cf;
    const char *err;
    int rc = -1;

    str_init(&path), str_init(&text), str_init(&why), str_init(&fix);
    if (o->sendmail_cf != NULL)
        str_append_cstr(&path, o->sendmail_cf);
    else
        str_printf(&path, "%s/sendmail.cf", c->config_dir ? c->config_dir : "/etc/mail");
    if (read_file(path.buf, CK_SMCF_MAX_LEN, &text, &why) < 0) {
        ck_itemf(r, CK_FAIL, "mta sendmail", "install sendmail (apt install sendmail), or set "
                 "mta.flavor (or --mta) to the MTA you run, or give --sendmail-cf FILE",
                 "cannot read sendmail.cf: %s", why.buf);
    } else if (ck_smcf_parse(text.buf, text.len, &cf, &err) < 0) {
        ck_itemf(r, CK_FAIL, "mta sendmail", "rebuild it from sendmail.mc (m4) or with "
                 "milterkit-mc", "%s: %s", path.buf, err);
    } else {
        if (run_as(&cf, m, &why) < 0)
            ck_itemf(r, CK_WARN, "mta sendmail", "check RunAsUser in sendmail.cf",
                     "%s read, but RunAsUser %s: %s", path.buf, cf.run_as_user, why.buf);
        else
            ck_itemf(r, CK_OK, "mta sendmail", NULL, "%s read: milters are called by %s%s",
                     path.buf, m->user.name, cf.run_as_user ? " (RunAsUser)" : "");
        str_printf(&fix, "milterkit-mc -c %s, then install sendmail.mc and sendmail.cf from it "
                   "and restart sendmail", c->path);
        m->regen = str_steal(&fix);
        check_submission(r, c, &cf, path.buf);
        add_chain(m, &cf, path.buf);
        ck_smcf_free(&cf);
        rc = 0;
    }
    str_free(&path), str_free(&text), str_free(&why), str_free(&fix);
    return rc;
}
