/* test_mcgen.c - table-driven unit tests of milterkit-mc's generators
 * (mc_postfix, mc_sendmail, mc_smfiles, mc_sasl), and of the SASL checks
 * for Postfix's user on files made here (sasl_checks): one line per case, a
 * snippet of the "mta" section -> lines that one generated file must hold
 * (or, with a leading '!', must not; a trailing '*' matches a line's
 * start).  The site and the milter sections are the same for every case
 * (SITE below).  No MTA program runs: Postfix's files come from
 * mc_postfix_generate() with an MTA root where nothing is installed,
 * sendmail's from the functions that build each file (m4 is the e2e
 * tests' business). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mc_cert.h"
#include "mc_job.h"
#include "mc_msg.h"
#include "mc_postfix.h"
#include "mc_sasl.h"
#include "mc_sendmail.h"
#include "mc_smfiles.h"
#include "core/fileio.h"
#include "core/mem.h"

static const char SITE[] =
    "site: { domain = \"example.net\"; hostname = \"mail.example.net\";\n"
    "  internal_networks = [\"127.0.0.0/8\", \"::1/128\", \"192.168.0.0/16\", \"10.1.0.0/20\"];\n"
    "  submission_daemons = [\"MSA\", \"ORIGINATING\"]; };\n"
    "relay: { socket = \"unix:/var/spool/postfix/milterkit/relay.sock\"; };\n"
    "masq: { socket = \"unix:/var/spool/postfix/milterkit/masq.sock\"; };\n"
    "dkim: { socket = \"inet:8893@127.0.0.1\"; };\n";

#define SH "smarthost = { host = \"smtp.isp.example\"; "
#define AUTH "auth = { user = \"u\"; password_file = \"/p\"; }; "
#define TLS "submission = { tls = { cert = \"/c.pem\"; key = \"/k.pem\"; }; }; "

typedef struct gen_case {
    const char *mta;  /* the mta section's body; "postfix" cases start with it */
    const char *file; /* a generated file; "-" in want: not generated */
    const char *want; /* lines, '\n'-separated */
} gen_case;

#define PF "flavor = \"postfix\"; "

static const gen_case cases[] = {
    /* Postfix main.cf settings */
    {PF SH "};", "milterkit-main.cf", "relayhost = [smtp.isp.example]:587\nsmtp_tls_security_level = encrypt"},
    {PF SH "port = 2525; };", "milterkit-main.cf", "relayhost = [smtp.isp.example]:2525"},
    {PF SH "port = 465; tls = \"implicit\"; };", "milterkit-main.cf", "smtp_tls_wrappermode = yes"},
    {PF SH "};", "milterkit-main.cf", "!smtp_tls_wrappermode*\n!smtp_sasl_auth_enable*"},
    {PF "", "milterkit-main.cf", "!relayhost*\n!smtp_tls_security_level*"},
    {PF SH AUTH "};", "milterkit-main.cf", "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_sasl_security_options = noanonymous\nsmtp_sasl_mechanism_filter = plain, login"},
    {PF SH "auth = { user = \"u\"; password_file = \"/p\"; mechanisms = [\"LOGIN\"]; }; };", "milterkit-main.cf", "smtp_sasl_mechanism_filter = login"},
    {PF "config_dir = \"/srv/pf\"; " SH AUTH "};", "milterkit-main.cf", "smtp_sasl_password_maps = hash:/srv/pf/sasl_passwd"},
    {PF "", "milterkit-main.cf", "inet_protocols = all\nmynetworks = 127.0.0.0/8 [::1]/128 192.168.0.0/16 10.1.0.0/20"},
    {PF "smtp = { families = [\"inet\"]; }; submission = { families = [\"inet\"]; };", "milterkit-main.cf", "inet_protocols = ipv4"},
    {PF "smtp = { families = [\"inet6\"]; }; submission = { families = [\"inet6\"]; };", "milterkit-main.cf", "inet_protocols = ipv6"},
    {PF "smtp = { enable = false; }; submission = { families = [\"inet\"]; };", "milterkit-main.cf", "inet_protocols = ipv4"},
    {PF "", "milterkit-main.cf", "mydestination = $mydomain, $myhostname, localhost.$mydomain, localhost\nmyhostname = mail.example.net"},
    {PF "local_host_names = [\"a.example\", \"b.example\"];", "milterkit-main.cf", "mydestination = a.example, b.example"},
    {PF TLS, "milterkit-main.cf", "smtpd_tls_cert_file = /c.pem\nsmtpd_tls_key_file = /k.pem\nsmtpd_tls_security_level = may\n!smtpd_tls_CAfile*"},
    {PF "submission = { tls = { cert = \"/c.pem\"; key = \"/k.pem\"; ca = \"/ca.pem\"; }; };", "milterkit-main.cf", "smtpd_tls_CAfile = /ca.pem"},
    {PF "", "milterkit-main.cf", "!smtpd_tls_cert_file*\nsmtpd_sasl_type = cyrus\nsmtpd_sasl_path = smtpd"},
    {PF "", "milterkit-main.cf", "milter_default_action = tempfail\nmilter_protocol = 6\nsmtpd_milters = unix:milterkit/relay.sock unix:milterkit/masq.sock inet:127.0.0.1:8893\nnon_smtpd_milters = unix:milterkit/relay.sock unix:milterkit/masq.sock inet:127.0.0.1:8893"},
    {PF "postfix = { queue_directory = \"/srv/spool\"; };", "milterkit-main.cf", "smtpd_milters = unix:/var/spool/postfix/milterkit/relay.sock unix:/var/spool/postfix/milterkit/masq.sock inet:127.0.0.1:8893"},
    {PF "", "milterkit-main.cf", "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"},
    /* Postfix master.cf submission service */
    {PF "", "milterkit-master.cf", "submission inet  n       -       y       -       -       smtpd\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_tls_auth_only=yes\n  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n  -o milter_macro_daemon_name=ORIGINATING"},
    {PF "postfix = { chroot = false; };", "milterkit-master.cf", "submission inet  n       -       n       -       -       smtpd"},
    {PF "submission = { port = 2587; };", "milterkit-master.cf", "2587       inet  n       -       y       -       -       smtpd"},
    {PF "submission = { addresses = [\"127.0.0.1\", \"::1\"]; };", "milterkit-master.cf", "127.0.0.1:587 inet  n       -       y       -       -       smtpd\n[::1]:587  inet  n       -       y       -       -       smtpd\n!submission*"},
    {PF "submission = { enable = false; };", "milterkit-master.cf", "-"},
    /* Postfix: the postconf script */
    {PF "", "milterkit-postconf.sh", "postconf -c \"$dir\" -e 'myorigin = $mydomain'\npostconf -c \"$dir\" -M 'submission/inet=submission inet n - y - - smtpd'\npostconf -c \"$dir\" -P 'submission/inet/smtpd_tls_auth_only=yes'"},
    {PF SH AUTH "};", "milterkit-postconf.sh", "postmap -c \"$dir\" hash:\"$dir\"/sasl_passwd"},
    {PF "", "milterkit-postconf.sh", "install -D -m 0640 -o root -g \"$(id -gn \"$(postconf -c \"$dir\" -h mail_owner)\")\" '/etc/sasldb2' '/var/spool/postfix/etc/sasldb2'"},
    {PF "postfix = { chroot = false; };", "milterkit-postconf.sh", "!install *\n!postmap *"},
    /* Postfix: the smart host's password map, smtpd's SASL config */
    {PF SH "port = 2525; " AUTH "};", "sasl_passwd", "[smtp.isp.example]:2525 u:pw"},
    {PF SH "};", "sasl_passwd", "-"},
    {PF "", "sasl/smtpd.conf", "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: /etc/sasldb2\nmech_list: PLAIN LOGIN"},
    {PF "submission = { sasldb = \"/srv/sasldb2\"; };", "sasl/smtpd.conf", "sasldb_path: /etc/sasldb2\n#   milterkit-mc -c *"},
    {PF "submission = { sasldb = \"/srv/sasldb2\"; }; postfix = { chroot = false; };", "sasl/smtpd.conf", "sasldb_path: /srv/sasldb2\n!#   milterkit-mc *"},
    {PF "submission = { sasl_pwcheck = \"saslauthd\"; auth_mechanisms = [\"PLAIN\"]; };", "sasl/smtpd.conf", "pwcheck_method: saslauthd\n!auxprop_plugin*\nmech_list: PLAIN\n# smtpd runs chrooted: saslauthd's socket must be /var/spool/postfix/var/run/saslauthd/mux"},
    {PF "submission = { enable = false; };", "sasl/smtpd.conf", "-"},
    /* sendmail.mc */
    /* both families, where an IPv6 socket takes IPv4 too (Linux's default,
     * the cases' host; v6_cases: the others): one IPv6 daemon, two would
     * collide */
    {"", "sendmail.mc", "DAEMON_OPTIONS(`Port=25, Name=MTA, Family=inet6')dnl\nDAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea, Family=inet6')dnl\n!DAEMON_OPTIONS(`Port=25, Name=MTA, Family=inet')dnl\n!DAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea, Family=inet')dnl"},
    {"submission = { families = [\"inet\"]; };", "sendmail.mc", "DAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea, Family=inet')dnl\n!DAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea, Family=inet6')dnl"},
    {"smtp = { enable = false; };", "sendmail.mc", "!DAEMON_OPTIONS(`Port=25*\nDAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea, Family=inet6')dnl"},
    {"submission = { port = 2587; addresses = [\"127.0.0.1\", \"::1\"]; };", "sendmail.mc", "DAEMON_OPTIONS(`Port=2587, Name=MSA, M=Ea, Addr=127.0.0.1, Family=inet')dnl\nDAEMON_OPTIONS(`Port=2587, Name=MSA, M=Ea, Addr=::1, Family=inet6')dnl\n!DAEMON_OPTIONS(`Port=587*"},
    {"submission = { enable = false; };", "sendmail.mc", "!DAEMON_OPTIONS(`Port=587*\nFEATURE(`no_default_msa')dnl"},
    {SH "port = 2525; };", "sendmail.mc", "define(`SMART_HOST', `[smtp.isp.example]')dnl\ndefine(`RELAY_MAILER_ARGS', `TCP $h 2525')dnl\ndefine(`ESMTP_MAILER_ARGS', `TCP $h 2525')dnl\n!FEATURE(`authinfo'*"},
    {"", "sendmail.mc", "!define(`SMART_HOST'*"},
    {SH AUTH "};", "sendmail.mc", "FEATURE(`authinfo', `hash /etc/mail/authinfo')dnl"},
    {"config_dir = \"/srv/mail\"; " SH AUTH "};", "sendmail.mc", "FEATURE(`authinfo', `hash /srv/mail/authinfo')dnl\nFEATURE(`access_db', `hash -T<TMPF> -o /srv/mail/access')dnl\ndefine(`confCW_FILE', `-o /srv/mail/local-host-names')dnl"},
    {"access_db = false;", "sendmail.mc", "!FEATURE(`access_db'*"},
    {"", "sendmail.mc", "INPUT_MAIL_FILTER(`milterkit-relay', `S=unix:/var/spool/postfix/milterkit/relay.sock, F=T, T=C:10s;S:1m;R:1m;E:5m')dnl\nINPUT_MAIL_FILTER(`milterkit-dkim', `S=inet:8893@127.0.0.1, F=T, T=C:10s;S:1m;R:1m;E:5m')dnl\n!MASQUERADE_AS*"},
    {"milter_timeouts = \"C:5s;E:1m\";", "sendmail.mc", "INPUT_MAIL_FILTER(`milterkit-masq', `S=unix:/var/spool/postfix/milterkit/masq.sock, F=T, T=C:5s;E:1m')dnl"},
    {TLS, "sendmail.mc", "define(`confSERVER_CERT', `/c.pem')dnl\ndefine(`confSERVER_KEY', `/k.pem')dnl\ndefine(`confCACERT', `/etc/ssl/certs/ca-certificates.crt')dnl"},
    {"submission = { tls = { cert = \"/c.pem\"; key = \"/k.pem\"; ca = \"/ca.pem\"; }; };", "sendmail.mc", "define(`confCACERT', `/ca.pem')dnl"},
    {"", "sendmail.mc", "!define(`confSERVER_CERT'*\ndefine(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl\nTRUST_AUTH_MECH(`PLAIN LOGIN')dnl\ndefine(`confAUTH_OPTIONS', `A,p,y')dnl"},
    {"submission = { auth_mechanisms = [\"PLAIN\"]; };", "sendmail.mc", "define(`confAUTH_MECHANISMS', `PLAIN')dnl\nTRUST_AUTH_MECH(`PLAIN')dnl"},
    {"sendmail = { include = [\"/etc/mail/local.m4\", \"/etc/mail/tls.m4\"]; };", "sendmail.mc", "include(`/etc/mail/local.m4')dnl\ninclude(`/etc/mail/tls.m4')dnl"},
    {"", "sendmail.mc", "!include(`/etc*\ndefine(`confDOMAIN_NAME', `mail.example.net')dnl\nOSTYPE(`linux')dnl"},
    /* sendmail's other files */
    {SH "};", "access", "Connect:localhost RELAY\nConnect:127 RELAY\nConnect:IPv6:::1 RELAY\nConnect:192.168 RELAY\n!Connect:10.1*\nTLS_Srv:smtp.isp.example ENCR:112"},
    {"", "access", "!TLS_Srv:*"},
    {SH AUTH "};", "authinfo", "AuthInfo:smtp.isp.example \"U:u\" \"I:u\" \"P=cHc=\" \"M:PLAIN LOGIN\""},
    {"", "local-host-names", "example.net\nmail.example.net"},
    {"local_host_names = [\"a.example\"];", "local-host-names", "a.example\n!example.net"},
    {"", "sasl/Sendmail.conf.2", "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: /etc/sasldb2\nmech_list: PLAIN LOGIN"},
    {"submission = { sasldb = \"/srv/sasldb2\"; };", "sasl/Sendmail.conf.2", "sasldb_path: /srv/sasldb2\n# The users: saslpasswd2 -c -u mail.example.net USER -f /srv/sasldb2"},
};

/* sendmail.mc's daemons for both families (the default) on a host whose
 * IPv6 sockets are IPv6-only, and on one without IPv6. */
static const struct {
    int v6;
    const char *want;
} v6_cases[] = {
    {MC_V6_ONLY, "DAEMON_OPTIONS(`Port=25, Name=MTA, Family=inet')dnl\nDAEMON_OPTIONS(`Port=25, Name=MTA, Family=inet6')dnl\nDAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea, Family=inet')dnl\nDAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea, Family=inet6')dnl"},
    {MC_V6_NONE, "DAEMON_OPTIONS(`Port=25, Name=MTA, Family=inet')dnl\nDAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea, Family=inet')dnl\n!DAEMON_OPTIONS(`Port=25, Name=MTA, Family=inet6')dnl\n!DAEMON_OPTIONS(`Port=587, Name=MSA, M=Ea, Family=inet6')dnl"},
};

/* Loads SITE + mta { MTA } into j. */
static void load(mc_job *j, const char *mta, char *path)
{
    FILE *f = fopen(path, "w");
    str_t errors;

    assert_non_null(f);
    fprintf(f, "%smta: { %s };\n", SITE, mta);
    fclose(f);
    str_init(&errors);
    memset(j, 0, sizeof *j);
    j->conf_path = path;
    if (site_load(path, &j->site, "mta", &mta_schema, &j->mta, &errors) < 0 ||
        mc_milters_read(path, &j->milters, &errors) < 0)
        fail_msg("mta { %s }: %s", mta, errors.buf);
    j->flavor = j->mta.flavor;
    j->config_dir = mc_settings_config_dir(&j->mta, j->flavor);
    j->mta_root = "/nonexistent-mta-root"; /* no postmap, no makemap */
    j->templates = MC_SRCDIR;
    if (j->mta.smarthost.auth.user)
        j->password = mem_strdup("pw");
    assert_int_equal(mc_out_init(&j->out, &errors), 0);
    assert_int_equal(mc_cert_setup(j, "/nonexistent", false), 0);
    str_free(&errors);
}

static void unload(mc_job *j)
{
    for (size_t i = 0; i < sizeof j->tls_owned / sizeof j->tls_owned[0]; i++)
        mem_free(&j->tls_owned[i]);
    mc_out_free(&j->out);
    mem_free(&j->password);
    mc_milters_free(&j->milters);
    site_free(&j->site);
    cfg_free(&mta_schema, &j->mta);
}

/* The generated file, in text; false when it is not generated. */
static bool generate(mc_job *j, const char *file, str_t *text)
{
    str_t why, path;
    bool made = true;

    str_init(&why), str_init(&path);
    if (strcmp(j->flavor, "postfix") == 0) {
        assert_int_equal(mc_postfix_generate(j), 0);
        made = fileio_read(mc_out_path(&j->out, file, &path), 1 << 20, text, &why) == 0;
    } else if (strcmp(file, "sendmail.mc") == 0)
        assert_int_equal(mc_sendmail_mc(j, "/nonexistent-cf", text), 0);
    else if (strcmp(file, "access") == 0)
        mc_smfiles_access(j, text);
    else if (strcmp(file, "authinfo") == 0)
        assert_int_equal(mc_smfiles_authinfo(j, text), 0);
    else if (strcmp(file, "local-host-names") == 0)
        mc_smfiles_local_host_names(j, text);
    else if (strcmp(file, mc_sasl_conf_name(j)) == 0)
        mc_sasl_conf(j, text);
    else
        fail_msg("no generator for %s", file);
    str_free(&why), str_free(&path);
    return made;
}

/* Whether text has a line equal to want (a trailing '*': starting so). */
static bool has_line(const char *text, const char *want, size_t wlen)
{
    bool prefix = wlen > 0 && want[wlen - 1] == '*';
    size_t n = prefix ? wlen - 1 : wlen;

    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");

        if ((prefix ? len >= n : len == n) && memcmp(p, want, n) == 0)
            return true;
        p += len + (p[len] == '\n');
    }
    return false;
}

static void check_case(size_t i, const gen_case *c, const char *text, bool made)
{
    if (strcmp(c->want, "-") == 0) {
        if (made)
            fail_msg("case %zu: mta { %s }: %s generated", i, c->mta, c->file);
        return;
    }
    if (!made)
        fail_msg("case %zu: mta { %s }: %s not generated", i, c->mta, c->file);
    for (const char *w = c->want; *w;) {
        size_t len = strcspn(w, "\n");
        bool absent = *w == '!';

        if (has_line(text, w + absent, len - absent) == absent)
            fail_msg("case %zu: mta { %s }: %s %s %.*s\n--- %s:\n%s", i, c->mta, c->file,
                     absent ? "has" : "lacks", (int)(len - absent), w + absent, c->file, text);
        w += len + (w[len] == '\n');
    }
}

static void generators(void **state)
{
    char path[] = "/tmp/test_mcgen.XXXXXX";
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const gen_case *c = &cases[i];
        mc_job j;
        str_t text;
        bool made;

        load(&j, c->mta, path);
        j.ipv6 = MC_V6_DUAL;
        str_init(&text);
        made = generate(&j, c->file, &text);
        check_case(i, c, text.buf, made);
        str_free(&text);
        unload(&j);
    }
    for (size_t i = 0; i < sizeof v6_cases / sizeof v6_cases[0]; i++) {
        const gen_case c = {"", "sendmail.mc", v6_cases[i].want};
        mc_job j;
        str_t text;
        bool made;

        load(&j, "", path);
        j.ipv6 = v6_cases[i].v6;
        str_init(&text);
        made = generate(&j, c.file, &text);
        check_case(i, &c, text.buf, made);
        str_free(&text);
        unload(&j);
    }
    unlink(path);
}

/* The secret stays in its file: sasl_passwd and authinfo only. */
static void password_only_in_its_file(void **state)
{
    char path[] = "/tmp/test_mcgen.XXXXXX";
    int fd = mkstemp(path);
    mc_job j;
    str_t why, text, p;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    str_init(&why), str_init(&text), str_init(&p);
    load(&j, PF SH AUTH "};", path);
    mem_free(&j.password);
    j.password = mem_strdup("Sekr1t-pass");
    assert_int_equal(mc_postfix_generate(&j), 0);
    for (size_t i = 0; i < j.out.count; i++) {
        const mc_out_file *f = &j.out.files[i];

        assert_int_equal(fileio_read(mc_out_path(&j.out, f->name, &p), 1 << 20, &text, &why),
                         0);
        if ((strstr(text.buf, "Sekr1t-pass") != NULL) != (strcmp(f->name, "sasl_passwd") == 0))
            fail_msg("%s: the password %s", f->name, f->secret ? "missing" : "leaked");
        if (strcmp(f->name, "sasl_passwd") == 0)
            assert_true(f->secret && f->mode == 0600);
    }
    unload(&j);
    str_free(&why), str_free(&text), str_free(&p);
    unlink(path);
}

/* ---- the SASL checks for Postfix's user (nobody here), table-driven ---- */

typedef struct sasl_case {
    const char *mta;   /* @: the work directory */
    const char *make;  /* "db MODE GID", "sock DIRMODE", or "" */
    int rc;
} sasl_case;

static const sasl_case sasl_cases[] = {
    {"submission = { sasl_pwcheck = \"saslauthd\"; }; postfix = { queue_directory = \"@\"; };", "", -1},
    {"submission = { sasl_pwcheck = \"saslauthd\"; }; postfix = { queue_directory = \"@\"; };", "sock 0755", 0},
    {"submission = { sasl_pwcheck = \"saslauthd\"; }; postfix = { queue_directory = \"@\"; };", "sock 0710", -1},
    {"submission = { sasldb = \"@/db\"; }; postfix = { chroot = false; };", "db 0600 0", -1},
    {"submission = { sasldb = \"@/db\"; }; postfix = { chroot = false; };", "db 0640 65534", 0},
    {"submission = { sasldb = \"@/db\"; }; postfix = { chroot = false; };", "", -1},
    {"submission = { sasldb = \"@/db\"; }; postfix = { queue_directory = \"@\"; };", "db 0640 0", -1},
};

/* Makes what c->make says below dir. */
static void make_sasl_files(const char *dir, const char *make)
{
    char p[256];
    unsigned mode;
    long gid;

    if (sscanf(make, "db %o %ld", &mode, &gid) == 2) {
        snprintf(p, sizeof p, "%s/db", dir);
        fclose(fopen(p, "w"));
        assert_int_equal(chown(p, 0, (gid_t)gid), 0);
        assert_int_equal(chmod(p, mode), 0);
    } else if (sscanf(make, "sock %o", &mode) == 1) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);

        snprintf(p, sizeof p, "%s/var/run/saslauthd", dir);
        assert_int_equal(fileio_mkdirs(p, 0755), 0);
        assert_int_equal(chmod(p, mode), 0);
        assert_true(strlen(p) + 5 < sizeof sa.sun_path);
        memcpy(sa.sun_path, p, strlen(p));
        memcpy(sa.sun_path + strlen(p), "/mux", 5);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
        close(fd);
    }
}

static void sasl_checks(void **state)
{
    char path[] = "/tmp/test_mcgen.XXXXXX";
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    if (geteuid() != 0) {
        unlink(path);
        skip(); /* chown to other owners needs root */
    }
    for (size_t i = 0; i < sizeof sasl_cases / sizeof sasl_cases[0]; i++) {
        const sasl_case *c = &sasl_cases[i];
        char dir[] = "/tmp/test_mcgen_sasl.XXXXXX", cmd[64];
        unsigned before = mc_errors();
        str_t mta;
        mc_job j;
        int rc;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0755), 0);
        str_init(&mta);
        for (const char *p = c->mta; *p; p++)
            if (*p == '@')
                str_append_cstr(&mta, dir);
            else
                str_append_char(&mta, *p);
        make_sasl_files(dir, c->make);
        load(&j, mta.buf, path);
        j.flavor = "postfix";
        rc = mc_sasl_check_postfix(&j, "nobody");
        if (rc != c->rc || (rc < 0) != (mc_errors() > before))
            fail_msg("sasl case %zu (%s, %s): rc %d", i, mta.buf, c->make, rc);
        unload(&j);
        str_free(&mta);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generators),
        cmocka_unit_test(password_only_in_its_file),
        cmocka_unit_test(sasl_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
