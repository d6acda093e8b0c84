/* mc_postfix.c - Postfix main.cf/master.cf settings and checks; see mc_postfix.h. */
#include "config.h"

#include "mc_postfix.h"

#include "mc_file.h"
#include "mc_macros.h"
#include "mc_msg.h"
#include "mc_run.h"
#include "mc_sasl.h"
#include "mc_tmpl.h"
#include "core/fileio.h"
#include "core/mem.h"

#include <ctype.h>
#include <string.h>
#include <unistd.h>

#define MC_PF_MAX (1024 * 1024)

/* Settings as key/value pairs, and master.cf services as lines. */
typedef struct pf_conf {
    str_t main;     /* "key = value\n" ... */
    str_t master;   /* master.cf text */
    str_t commands; /* postconf arguments, one per line: "-e\tkey = value" */
    bool quiet;     /* warnings already given (second pass, for --check) */
} pf_conf;

static void set(pf_conf *c, const char *key, const char *value)
{
    str_printf(&c->main, "%s = %s\n", key, value);
    str_printf(&c->commands, "-e\t%s = %s\n", key, value);
}

static void join_list(str_t *out, const cfg_strlist *l, const char *sep, bool lower)
{
    for (size_t i = 0; i < l->count; i++) {
        str_append_cstr(out, i ? sep : "");
        for (const char *p = l->items[i]; *p; p++)
            str_append_char(out, lower ? (char)tolower((unsigned char)*p) : *p);
    }
}

static void networks(const mc_job *j, str_t *out)
{
    const cfg_strlist *l = &j->site.internal_networks;

    for (size_t i = 0; i < l->count; i++) {
        const char *n = l->items[i], *slash = strchr(n, '/');

        if (i)
            str_append_char(out, ' ');
        if (strchr(n, ':') == NULL)
            str_append_cstr(out, n);
        else if (slash)
            str_printf(out, "[%.*s]%s", (int)(slash - n), n, slash);
        else
            str_printf(out, "[%s]", n);
    }
}

static bool has_family(const mc_job *j, const char *fam)
{
    return (j->mta.smtp.enable && cfg_strlist_contains(&j->mta.smtp.families, fam, false)) ||
           (j->mta.submission.enable &&
            cfg_strlist_contains(&j->mta.submission.families, fam, false));
}

static void milters(const mc_job *j, str_t *out, bool quiet)
{
    const mc_postfix_opts *p = &j->mta.postfix;

    for (size_t i = 0; i < MC_MILTERS; i++) {
        const mc_milter *m = &j->milters.m[i];
        bool outside = false;

        if (!m->present) {
            if (!quiet)
                mc_warn("%s: no \"%s\" section in %s, so milterkit-%s is not attached", m->name,
                    m->name, j->conf_path, m->name);
            continue;
        }
        if (out->len)
            str_append_char(out, ' ');
        mc_milters_postfix_socket(m->socket, p->queue_directory, out, &outside);
        if (outside && p->chroot && !quiet) {
            str_t key;

            str_init(&key);
            str_printf(&key, "%s.socket", m->name);
            mc_warn_at(key.buf,
                       "%s is outside Postfix's chroot %s, where a chrooted smtpd cannot reach "
                       "it; use e.g. socket = \"unix:%s/milterkit/%s.sock\" (or "
                       "inet:PORT@127.0.0.1), or set mta.postfix.chroot = false if smtpd does "
                       "not run chrooted",
                       m->socket, p->queue_directory, p->queue_directory, m->name);
            str_free(&key);
        }
    }
}

static void smarthost(const mc_job *j, pf_conf *c)
{
    const mc_smarthost *h = &j->mta.smarthost;
    str_t v;

    if (h->host == NULL)
        return;
    str_init(&v);
    str_printf(&v, "[%s]:%ld", h->host, h->port);
    set(c, "relayhost", v.buf);
    set(c, "smtp_tls_security_level", "encrypt");
    set(c, "smtp_tls_CAfile", "/etc/ssl/certs/ca-certificates.crt");
    if (strcmp(h->tls, "implicit") == 0)
        set(c, "smtp_tls_wrappermode", "yes");
    if (h->auth.user != NULL) {
        set(c, "smtp_sasl_auth_enable", "yes");
        str_clear(&v);
        str_printf(&v, "hash:%s/sasl_passwd", j->config_dir);
        set(c, "smtp_sasl_password_maps", v.buf);
        /* The default (noplaintext, noanonymous) refuses PLAIN: "No worthy mechs". */
        set(c, "smtp_sasl_security_options", "noanonymous");
        set(c, "smtp_sasl_tls_security_options", "noanonymous");
        str_clear(&v);
        join_list(&v, &h->auth.mechanisms, ", ", true);
        set(c, "smtp_sasl_mechanism_filter", v.buf);
    }
    str_free(&v);
}

static void main_settings(const mc_job *j, pf_conf *c)
{
    str_t v;

    str_init(&v);
    set(c, "myhostname", j->site.hostname);
    set(c, "mydomain", j->site.domain);
    set(c, "myorigin", "$mydomain");
    if (j->mta.local_host_names.count)
        join_list(&v, &j->mta.local_host_names, ", ", false);
    else
        str_append_cstr(&v, "$mydomain, $myhostname, localhost.$mydomain, localhost");
    set(c, "mydestination", v.buf);
    str_clear(&v);
    networks(j, &v);
    set(c, "mynetworks", v.buf);
    set(c, "inet_protocols", has_family(j, "inet6") ? (has_family(j, "inet") ? "all" : "ipv6")
                                                     : "ipv4");
    smarthost(j, c);
    if (j->tls_cert) {
        set(c, "smtpd_tls_cert_file", j->tls_cert);
        set(c, "smtpd_tls_key_file", j->tls_key);
        if (j->tls_ca)
            set(c, "smtpd_tls_CAfile", j->tls_ca);
        set(c, "smtpd_tls_security_level", "may");
    }
    set(c, "smtpd_sasl_type", "cyrus");
    set(c, "smtpd_sasl_path", "smtpd");
    set(c, "smtpd_relay_restrictions",
        "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination");
    set(c, "milter_protocol", "6");
    set(c, "milter_default_action", "tempfail");
    for (int st = 0; st < MACROS_NSTAGES; st++) {
        str_clear(&v);
        mc_macros_postfix((macros_stage)st, &v);
        set(c, mc_macros_postfix_param((macros_stage)st), v.buf);
    }
    str_clear(&v);
    milters(j, &v, c->quiet);
    set(c, "smtpd_milters", v.buf);
    set(c, "non_smtpd_milters", v.buf);
    str_free(&v);
}

static const char *const submission_opts[] = {
    "syslog_name=postfix/submission",
    "smtpd_tls_security_level=encrypt",
    "smtpd_sasl_auth_enable=yes",
    "smtpd_tls_auth_only=yes",
    "smtpd_client_restrictions=permit_sasl_authenticated,reject",
    "smtpd_relay_restrictions=permit_sasl_authenticated,reject",
    "milter_macro_daemon_name=ORIGINATING",
};

static void service(const mc_job *j, pf_conf *c, const char *name)
{
    str_printf(&c->master, "%-10s inet  n       -       %s       -       -       smtpd\n", name,
               j->mta.postfix.chroot ? "y" : "n");
    str_printf(&c->commands, "-M\t%s/inet=%s inet n - %s - - smtpd\n", name, name,
               j->mta.postfix.chroot ? "y" : "n");
    for (size_t i = 0; i < sizeof submission_opts / sizeof submission_opts[0]; i++) {
        str_printf(&c->master, "  -o %s\n", submission_opts[i]);
        str_printf(&c->commands, "-P\t%s/inet/%s\n", name, submission_opts[i]);
    }
}

static void master_services(const mc_job *j, pf_conf *c)
{
    const mc_submission *s = &j->mta.submission;
    str_t name;

    if (!s->enable)
        return;
    str_init(&name);
    if (s->addresses.count == 0) {
        if (s->port == 587)
            str_append_cstr(&name, "submission");
        else
            str_printf(&name, "%ld", s->port);
        service(j, c, name.buf);
    }
    for (size_t i = 0; i < s->addresses.count; i++) {
        const char *a = s->addresses.items[i];

        str_clear(&name);
        str_printf(&name, strchr(a, ':') ? "[%s]:%ld" : "%s:%ld", a, s->port);
        service(j, c, name.buf);
    }
    if (!c->quiet && !cfg_strlist_contains(&j->site.submission_daemons, "ORIGINATING", false))
        mc_warn("site.submission_daemons: add \"ORIGINATING\" (Postfix's "
                "milter_macro_daemon_name on the submission service), or the milters "
                "will not treat submitted mail as trusted unless authenticated");
    str_free(&name);
}

/* One shell word in single quotes. */
static void sh_quote(str_t *out, const char *s)
{
    str_append_char(out, '\'');
    for (; *s; s++)
        if (*s == '\'')
            str_append_cstr(out, "'\\''");
        else
            str_append_char(out, *s);
    str_append_char(out, '\'');
}

static void script(const mc_job *j, const pf_conf *c, str_t *out)
{
    const char *p = c->commands.buf;
    str_t copy;

    str_init(&copy);
    str_append_cstr(out, "#!/bin/sh\n");
    mc_file_header(out, "# ", j->conf_path);
    str_append_cstr(out, "# Applies milterkit's settings to the Postfix configuration in the\n"
                         "# directory given (default below), then reload Postfix.\n"
                         "set -e\n");
    str_append_cstr(out, "dir=${1:-");
    sh_quote(out, j->config_dir);
    str_append_cstr(out, "}\n");
    while (*p) {
        const char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
        char *arg = mem_strndup(tab + 1, (size_t)(nl - tab - 1));

        str_printf(out, "postconf -c \"$dir\" %.*s ", (int)(tab - p), p);
        sh_quote(out, arg);
        str_append_char(out, '\n');
        mem_free(&arg);
        p = nl + 1;
    }
    if (j->mta.smarthost.auth.user != NULL)
        str_append_cstr(out, "postmap -c \"$dir\" hash:\"$dir\"/sasl_passwd\n");
    if (mc_sasl_chroot_copy(j, &copy)) {
        str_append_cstr(out, "# The SASL users, into smtpd's chroot (again after every "
                             "saslpasswd2):\n");
        str_append_cstr(out, "install -D -m 0640 -o root -g \"$(id -gn \"$(postconf -c \"$dir\" "
                             "-h mail_owner)\")\" ");
        sh_quote(out, j->mta.submission.sasldb);
        str_append_char(out, ' ');
        sh_quote(out, copy.buf);
        str_append_char(out, '\n');
    }
    str_free(&copy);
}

static int expand(mc_job *j, const char *tmpl_name, const mc_tmpl_var *vars, size_t n,
                  str_t *out)
{
    str_t tmpl, why;
    const char *error = NULL;
    int rc;

    str_init(&tmpl), str_init(&why);
    rc = mc_tmpl_load(j->templates, tmpl_name, &tmpl, &why);
    if (rc < 0)
        mc_error("%s", why.buf);
    else if ((rc = mc_tmpl_expand(tmpl.buf, vars, n, out, &error)) < 0)
        mc_error("%s: %s", tmpl_name, error);
    str_free(&tmpl), str_free(&why);
    return rc;
}

/* postmap -c CONFIG_DIR hash:STAGE/sasl_passwd, when both are there. */
static void postmap(mc_job *j)
{
    static const char *const progs[] = {"/usr/sbin/postmap", NULL};
    str_t prog, map, conf, libdir, why;
    mc_run_result r;
    mc_run_opts o = {0};

    str_init(&prog), str_init(&map), str_init(&conf), str_init(&libdir), str_init(&why);
    mc_run_result_init(&r);
    str_printf(&conf, "%s/main.cf", j->config_dir);
    if (mc_run_find(j->mta_root, progs, &prog) < 0 || access(conf.buf, R_OK) != 0) {
        mc_note("run `postmap hash:%s/sasl_passwd` after installing", j->config_dir);
        goto out;
    }
    str_append_cstr(&map, "hash:");
    mc_out_path(&j->out, "sasl_passwd", &why);
    str_append_cstr(&map, why.buf);
    str_clear(&why);
    mc_run_libdir(j->mta_root, "usr/lib/postfix", &o, &libdir);
    {
        const char *argv[] = {prog.buf, "-c", j->config_dir, map.buf, NULL};

        if (mc_run(argv, &o, &r, &why) < 0 || r.status != 0)
            mc_warn("postmap sasl_passwd: %s%s%s", why.buf, r.out.buf, r.err.buf);
        else
            mc_out_add_derived(&j->out, "sasl_passwd.db", 0600);
    }
out:
    mc_run_result_free(&r);
    str_free(&prog), str_free(&map), str_free(&conf), str_free(&libdir), str_free(&why);
}

/* j->password is set (mc_check_password). */
static void sasl_passwd(mc_job *j, str_t *out)
{
    const mc_smarthost *h = &j->mta.smarthost;

    mc_file_header(out, "# ", j->conf_path);
    str_append_cstr(out, "# The smart host's credentials; keep mode 0600; postmap it.  The key\n"
                         "# is written exactly like relayhost.\n");
    str_printf(out, "[%s]:%ld %s:%s\n", h->host, h->port, h->auth.user, j->password);
}

int mc_postfix_generate(mc_job *j)
{
    pf_conf c = {.quiet = false};
    str_t header, text, port;
    unsigned errors = mc_errors();

    str_init(&c.main), str_init(&c.master), str_init(&c.commands);
    str_init(&header), str_init(&text), str_init(&port);
    mc_file_header(&header, "# ", j->conf_path);
    main_settings(j, &c);
    master_services(j, &c);
    str_printf(&port, "%ld", j->mta.submission.port);
    {
        const mc_tmpl_var mv[] = {{"HEADER", header.buf}, {"SETTINGS", c.main.buf}};
        const mc_tmpl_var sv[] = {{"HEADER", header.buf}, {"PORT", port.buf},
                                  {"SERVICES", c.master.buf}};

        if (expand(j, "main.cf.tmpl", mv, 2, &text) == 0)
            mc_out_take(&j->out, "milterkit-main.cf", &text, 0644, false);
        str_clear(&text);
        if (j->mta.submission.enable && expand(j, "master.cf.tmpl", sv, 3, &text) == 0)
            mc_out_take(&j->out, "milterkit-master.cf", &text, 0644, false);
        str_clear(&text);
    }
    script(j, &c, &text);
    mc_out_take(&j->out, "milterkit-postconf.sh", &text, 0755, false);
    if (j->mta.smarthost.auth.user != NULL && j->password != NULL) {
        sasl_passwd(j, &text);
        if (mc_out_take(&j->out, "sasl_passwd", &text, 0600, true) == 0)
            postmap(j);
    }
    if (j->mta.submission.enable) {
        mc_sasl_conf(j, &text);
        mc_out_take(&j->out, mc_sasl_conf_name(j), &text, 0644, false);
    }
    str_free(&c.main), str_free(&c.master), str_free(&c.commands);
    str_free(&header), str_free(&text), str_free(&port);
    return mc_errors() > errors ? -1 : 0;
}

void mc_postfix_commands(const mc_job *j, str_t *out)
{
    pf_conf c = {.quiet = true};

    str_init(&c.main), str_init(&c.master), str_init(&c.commands);
    main_settings(j, &c);
    master_services(j, &c);
    str_append(out, c.commands.buf, c.commands.len);
    str_free(&c.main), str_free(&c.master), str_free(&c.commands);
}
