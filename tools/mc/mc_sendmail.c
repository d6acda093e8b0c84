/* mc_sendmail.c - sendmail.mc, sendmail.cf and their files; see mc_sendmail.h. */
#include "config.h"

#include "mc_sendmail.h"

#include "mc_macros.h"

#include "core/fileio.h"
#include "mc_file.h"
#include "mc_msg.h"
#include "mc_run.h"
#include "mc_sasl.h"
#include "mc_smfiles.h"
#include "mc_tmpl.h"

#include <string.h>
#include <unistd.h>


/* What the milters read, on top of sendmail's defaults (cf/m4/cfhead.m4):
 * lib/milter/macros through mc_macros. */
static void milter_macros(str_t *out)
{
    str_t v;

    str_init(&v);
    for (int st = 0; st < MACROS_NSTAGES; st++) {
        str_clear(&v);
        mc_macros_sendmail((macros_stage)st, &v);
        if (v.len > 0)
            str_printf(out, "define(`%s', `%s')dnl\n", mc_macros_sendmail_name((macros_stage)st),
                       v.buf);
    }
    str_free(&v);
}

/* This host's mc_v6, from /proc/sys/net/ipv6/bindv6only. */
static int host_v6(void)
{
    str_t v, why;
    int mode;

    str_init(&v), str_init(&why);
    if (fileio_read("/proc/sys/net/ipv6/bindv6only", 16, &v, &why) < 0)
        mode = MC_V6_NONE;
    else
        mode = v.buf[0] == '0' ? MC_V6_DUAL : MC_V6_ONLY;
    str_free(&v), str_free(&why);
    return mode;
}

static bool listed(const cfg_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

/* The wildcard daemons of the families: see enum mc_v6. */
static void family_lines(str_t *out, const char *name, long port, const char *modifiers,
                         const cfg_strlist *families, int v6)
{
    bool in4 = listed(families, "inet"), in6 = listed(families, "inet6");

    if (in4 && in6 && v6 == MC_V6_DUAL)
        in4 = false;
    if (in6 && v6 == MC_V6_NONE) {
        mc_warn_at(strcmp(name, "MSA") == 0 ? "mta.submission.families" : "mta.smtp.families",
                   "this host has no IPv6: sendmail listens on port %ld over IPv4 only", port);
        in6 = false;
    }
    if (in4)
        str_printf(out, "DAEMON_OPTIONS(`Port=%ld, Name=%s%s, Family=inet')dnl\n", port, name,
                   modifiers);
    if (in6)
        str_printf(out, "DAEMON_OPTIONS(`Port=%ld, Name=%s%s, Family=inet6')dnl\n", port, name,
                   modifiers);
}

static void daemon_lines(str_t *out, const char *name, long port, const char *modifiers,
                         const cfg_strlist *families, const cfg_strlist *addresses, int v6)
{
    if (addresses->count > 0) {
        for (size_t i = 0; i < addresses->count; i++) {
            const char *a = addresses->items[i];

            str_printf(out, "DAEMON_OPTIONS(`Port=%ld, Name=%s%s, Addr=%s, Family=%s')dnl\n",
                       port, name, modifiers, a, strchr(a, ':') ? "inet6" : "inet");
        }
        return;
    }
    family_lines(out, name, port, modifiers, families, v6);
}

static void tls_lines(const mc_job *j, str_t *out)
{
    if (j->tls_cert == NULL)
        return;
    str_printf(out,
               "define(`confSERVER_CERT', `%s')dnl\n"
               "define(`confSERVER_KEY', `%s')dnl\n"
               "define(`confCLIENT_CERT', `%s')dnl\n"
               "define(`confCLIENT_KEY', `%s')dnl\n"
               "define(`confCACERT_PATH', `/etc/ssl/certs')dnl\n"
               "define(`confCACERT', `%s')dnl\n",
               j->tls_cert, j->tls_key, j->tls_cert, j->tls_key,
               j->tls_ca ? j->tls_ca : "/etc/ssl/certs/ca-certificates.crt");
}

static void smarthost_lines(const mc_job *j, str_t *out)
{
    const mc_smarthost *h = &j->mta.smarthost;

    if (h->host == NULL)
        return;
    str_printf(out,
               "define(`SMART_HOST', `[%s]')dnl\n"
               "define(`RELAY_MAILER_ARGS', `TCP $h %ld')dnl\n"
               "define(`ESMTP_MAILER_ARGS', `TCP $h %ld')dnl\n",
               h->host, h->port, h->port);
    if (h->auth.user != NULL)
        str_printf(out, "FEATURE(`authinfo', `hash %s/authinfo')dnl\n", j->config_dir);
}

static void milter_lines(const mc_job *j, str_t *out)
{
    for (size_t i = 0; i < MC_MILTERS; i++) {
        const mc_milter *m = &j->milters.m[i];

        if (!m->present) {
            mc_warn("%s: no \"%s\" section in %s, so milterkit-%s is not attached", m->name,
                    m->name, j->conf_path, m->name);
            continue;
        }
        str_printf(out, "INPUT_MAIL_FILTER(`milterkit-%s', `S=%s, F=T, T=%s')dnl\n", m->name,
                   m->socket, j->mta.milter_timeouts);
    }
}

/* OSTYPE(debian) includes /usr/share/sendmail/cf/debian/autoconf.m4 by its
 * absolute path: use it only when that exists. */
static const char *ostype(const char *cf_dir)
{
    str_t p;
    bool ok;

    str_init(&p);
    str_printf(&p, "%s/ostype/debian.m4", cf_dir);
    ok = access(p.buf, R_OK) == 0 &&
         access("/usr/share/sendmail/cf/debian/autoconf.m4", R_OK) == 0;
    str_free(&p);
    return ok ? "debian" : "linux";
}

/* With OSTYPE(debian), DOMAIN(debian-mta) as Debian's own sendmail.mc has
 * it: the pid file where Debian's init script looks for it
 * (/run/sendmail/mta), TrustedUser smmta, the owner of Debian's /etc/mail
 * (without it makemap and sendmail call the maps there unsafe); and, as
 * Debian's default, no host status directory (it does not exist). */
static const char *domain(const char *cf_dir, const char *os)
{
    str_t p;
    bool ok;

    str_init(&p);
    str_printf(&p, "%s/domain/debian-mta.m4", cf_dir);
    ok = strcmp(os, "debian") == 0 && access(p.buf, R_OK) == 0;
    str_free(&p);
    return ok ? "DOMAIN(`debian-mta')dnl\nundefine(`confHOST_STATUS_DIRECTORY')dnl\n" : "";
}

int mc_sendmail_mc(mc_job *j, const char *cf_dir, str_t *out)
{
    str_t header, includes, daemons, mechs, tls, smart, access, macros, milters, tmpl, why;
    const char *error = NULL;
    int rc;

    str_init(&header), str_init(&includes), str_init(&daemons), str_init(&mechs), str_init(&tls);
    str_init(&smart), str_init(&access), str_init(&macros), str_init(&milters);
    str_init(&tmpl), str_init(&why);
    mc_file_header(&header, "dnl ", j->conf_path);
    for (size_t i = 0; i < j->mta.sendmail.include.count; i++)
        str_printf(&includes, "include(`%s')dnl\n", j->mta.sendmail.include.items[i]);
    if (j->ipv6 == 0)
        j->ipv6 = host_v6();
    if (j->mta.smtp.enable)
        daemon_lines(&daemons, "MTA", j->mta.smtp.port, "", &j->mta.smtp.families,
                     &j->mta.smtp.addresses, j->ipv6);
    if (j->mta.submission.enable)
        daemon_lines(&daemons, "MSA", j->mta.submission.port, ", M=Ea",
                     &j->mta.submission.families, &j->mta.submission.addresses, j->ipv6);
    for (size_t i = 0; i < j->mta.submission.auth_mechanisms.count; i++)
        str_printf(&mechs, "%s%s", i ? " " : "", j->mta.submission.auth_mechanisms.items[i]);
    tls_lines(j, &tls);
    smarthost_lines(j, &smart);
    if (j->mta.access_db)
        str_printf(&access, "FEATURE(`access_db', `hash -T<TMPF> -o %s/access')dnl\n",
                   j->config_dir);
    milter_macros(&macros);
    milter_lines(j, &milters);
    {
        const mc_tmpl_var vars[] = {
            {"HEADER", header.buf}, {"CF_DIR", cf_dir}, {"OSTYPE", ostype(cf_dir)},
            {"DOMAIN", domain(cf_dir, ostype(cf_dir))},
            {"INCLUDES", includes.buf},
            {"HOSTNAME", j->site.hostname}, {"CONFIG_DIR", j->config_dir},
            {"DAEMONS", daemons.buf}, {"AUTH_MECHS", mechs.buf}, {"TLS", tls.buf},
            {"SMARTHOST", smart.buf}, {"ACCESS", access.buf},
            {"MILTER_MACROS", macros.buf}, {"MILTERS", milters.buf},
        };

        rc = mc_tmpl_load(j->templates, "sendmail.mc.tmpl", &tmpl, &why);
        if (rc < 0)
            mc_error("%s", why.buf);
        else if ((rc = mc_tmpl_expand(tmpl.buf, vars, sizeof vars / sizeof vars[0], out,
                                      &error)) < 0)
            mc_error("sendmail.mc.tmpl: %s", error);
    }
    str_free(&header), str_free(&includes), str_free(&daemons), str_free(&mechs), str_free(&tls);
    str_free(&smart), str_free(&access), str_free(&macros), str_free(&milters);
    str_free(&tmpl), str_free(&why);
    return rc;
}

/* Every line m4 printed is an error ("*** ERROR: ..." comes with exit 0). */
static void m4_errors(int status, str_t *err)
{
    for (char *line = err->buf; line && *line;) {
        char *nl = strchr(line, '\n');

        if (nl)
            *nl = '\0';
        if (*line)
            mc_error("m4 sendmail.mc: %s", line);
        line = nl ? nl + 1 : NULL;
    }
    if (status != 0)
        mc_error("m4 sendmail.mc exited with %d", status);
}

/* m4 sendmail.mc > sendmail.cf.  m4 prints "*** ERROR" and exits 0. */
static int build_cf(mc_job *j)
{
    str_t mc, cf, why;
    mc_run_result r;
    mc_run_opts o = {0};
    int rc = -1;

    str_init(&mc), str_init(&cf), str_init(&why);
    mc_run_result_init(&r);
    mc_out_path(&j->out, "sendmail.mc", &mc);
    {
        const char *argv[] = {"/usr/bin/m4", mc.buf, NULL};

        if (mc_run(argv, &o, &r, &why) < 0)
            mc_error("m4: %s", why.buf);
        else if (r.status != 0 || r.err.len > 0)
            m4_errors(r.status, &r.err);
        else if (r.truncated)
            mc_error("m4 sendmail.mc: more than %d bytes of output", MC_RUN_MAX_OUTPUT);
        else {
            mc_file_header(&cf, "# ", "sendmail.mc");
            str_append(&cf, r.out.buf, r.out.len);
            rc = mc_out_add(&j->out, "sendmail.cf", cf.buf, cf.len, 0644, false, &why);
            if (rc < 0)
                mc_error("%s", why.buf);
        }
    }
    mc_run_result_free(&r);
    str_free(&mc), str_free(&cf), str_free(&why);
    return rc;
}

/* makemap hash NAME < NAME, when makemap is there. */
static void make_map(mc_job *j, const char *name)
{
    static const char *const progs[] = {"/usr/sbin/makemap", "/usr/libexec/sendmail/makemap",
                                        "/usr/bin/makemap", NULL};
    str_t prog, src, cf, db, why;
    mc_run_result r;
    mc_run_opts o = {0};

    str_init(&prog), str_init(&src), str_init(&cf), str_init(&db), str_init(&why);
    mc_run_result_init(&r);
    mc_out_path(&j->out, "sendmail.cf", &cf);
    if (access(cf.buf, R_OK) != 0)
        goto out; /* no .cf: m4 failed, reported */
    if (mc_run_find(j->mta_root, progs, &prog) < 0) {
        mc_note("makemap not found: run `makemap hash %s/%s < %s/%s` after installing", j->config_dir,
                name, j->config_dir, name);
        goto out;
    }
    mc_out_path(&j->out, name, &src);
    o.stdin_path = src.buf;
    {
        const char *argv[] = {prog.buf, "-C", cf.buf, "hash", src.buf, NULL};

        if (mc_run(argv, &o, &r, &why) < 0 || r.status != 0)
            mc_warn("makemap hash %s: %s%s%s", name, why.buf, r.out.buf, r.err.buf);
        else {
            str_printf(&db, "%s.db", name);
            mc_out_add_derived(&j->out, db.buf, 0600);
        }
    }
out:
    mc_run_result_free(&r);
    str_free(&prog), str_free(&src), str_free(&cf), str_free(&db), str_free(&why);
}

/* The cf tree: --cf-dir, or below --mta-root; in out.  Returns 0, or -1
 * (reported). */
static int cf_tree(const mc_job *j, str_t *out)
{
    str_t p;
    int rc = -1;

    str_init(&p);
    if (j->cf_dir)
        str_append_cstr(out, j->cf_dir);
    else
        str_printf(out, "%s/usr/share/sendmail/cf", j->mta_root);
    str_printf(&p, "%s/m4/cf.m4", out->buf);
    if (!mc_settings_plain(out->buf))
        mc_error("--cf-dir: %s: spaces, quotes and the like cannot go into a .mc", out->buf);
    else if (access(p.buf, R_OK) != 0)
        mc_error("no sendmail cf tree in %s (install sendmail-cf, or give --cf-dir DIR)",
                 out->buf);
    else
        rc = 0;
    str_free(&p);
    return rc;
}

int mc_sendmail_generate(mc_job *j)
{
    str_t cf_dir, text;
    unsigned errors = mc_errors();

    str_init(&cf_dir), str_init(&text);
    if (cf_tree(j, &cf_dir) == 0 && mc_sendmail_mc(j, cf_dir.buf, &text) == 0 &&
        mc_out_take(&j->out, "sendmail.mc", &text, 0644, false) == 0)
        build_cf(j);
    str_clear(&text);
    mc_smfiles_local_host_names(j, &text);
    mc_out_take(&j->out, "local-host-names", &text, 0644, false);
    if (j->mta.access_db) {
        mc_smfiles_access(j, &text);
        if (mc_out_take(&j->out, "access", &text, 0644, false) == 0)
            make_map(j, "access");
    }
    if (j->mta.smarthost.auth.user != NULL && j->password != NULL &&
        mc_smfiles_authinfo(j, &text) == 0 &&
        mc_out_take(&j->out, "authinfo", &text, 0600, true) == 0)
        make_map(j, "authinfo");
    if (j->mta.submission.enable) {
        mc_sasl_conf(j, &text);
        mc_out_take(&j->out, mc_sasl_conf_name(j), &text, 0644, false);
    }
    str_free(&cf_dir), str_free(&text);
    return mc_errors() > errors ? -1 : 0;
}
