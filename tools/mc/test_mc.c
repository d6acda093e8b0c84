/* test_mc.c - unit tests of milterkit-mc's modules: templates (mc_tmpl),
 * milter sockets in Postfix's syntax (mc_milters), the "mta" schema and its
 * checks (mc_settings), generated-file ownership (mc_file), --apply's
 * backups and rollback (mc_apply).  The generators: test_mcgen.c. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc_apply.h"
#include "mc_file.h"
#include "mc_milters.h"
#include "mc_settings.h"
#include "mc_tmpl.h"
#include "core/fileio.h"
#include "milter/site.h"

/* ---- mc_tmpl_expand ---- */

typedef struct tmpl_case {
    const char *name, *text, *want; /* want NULL: an error */
} tmpl_case;

static const tmpl_case tmpl_cases[] = {
    {"inline value", "a @X@ b\n", "a 1 b\n"},
    {"two on a line", "@X@@Y@\n", "1two\n"},
    {"empty line of its own disappears", "a\n@E@\nb\n", "a\nb\n"},
    {"multi-line value replaces its line", "a\n@M@\nb\n", "a\nm1\nm2\nb\n"},
    {"value without newline gets one", "@X@\n", "1\n"},
    {"lone @ kept", "user@example.net @ x\n", "user@example.net @ x\n"},
    {"lower case is not a placeholder", "@x@\n", "@x@\n"},
    {"last line without newline", "a @X@", "a 1\n"},
    {"unknown placeholder", "a @NOPE@ b\n", NULL},
    {"unknown on its own line", "@NOPE@\n", NULL},
};

static void test_tmpl_expand(void **state)
{
    const mc_tmpl_var vars[] = {{"X", "1"}, {"Y", "two"}, {"E", ""}, {"M", "m1\nm2\n"}};

    (void)state;
    for (size_t i = 0; i < sizeof tmpl_cases / sizeof tmpl_cases[0]; i++) {
        const tmpl_case *c = &tmpl_cases[i];
        const char *error = NULL;
        str_t out;
        int rc;

        str_init(&out);
        rc = mc_tmpl_expand(c->text, vars, 4, &out, &error);
        if (c->want == NULL) {
            if (rc != -1 || error == NULL)
                fail_msg("%s: expected an error", c->name);
        } else if (rc != 0 || strcmp(out.buf, c->want) != 0)
            fail_msg("%s: got %d %s", c->name, rc, out.buf);
        str_free(&out);
    }
}

/* ---- mc_milters_postfix_socket ---- */

typedef struct sock_case {
    const char *in, *queue, *want;
    bool outside;
} sock_case;

static const sock_case sock_cases[] = {
    {"unix:/var/spool/postfix/milterkit/masq.sock", "/var/spool/postfix",
     "unix:milterkit/masq.sock", false},
    {"local:/var/spool/postfix/m.sock", "/var/spool/postfix/", "unix:m.sock", false},
    {"unix:/run/milterkit/masq.sock", "/var/spool/postfix", "unix:/run/milterkit/masq.sock",
     true},
    {"unix:/var/spool/postfixx/m.sock", "/var/spool/postfix", "unix:/var/spool/postfixx/m.sock",
     true},
    {"inet:8891@127.0.0.1", "/var/spool/postfix", "inet:127.0.0.1:8891", false},
    {"inet6:8891@::1", "/var/spool/postfix", "inet:[::1]:8891", false},
    {"inet:8891", "/var/spool/postfix", "inet:localhost:8891", false},
};

static void test_postfix_socket(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sock_cases / sizeof sock_cases[0]; i++) {
        const sock_case *c = &sock_cases[i];
        bool outside;
        str_t out;

        str_init(&out);
        mc_milters_postfix_socket(c->in, c->queue, &out, &outside);
        if (strcmp(out.buf, c->want) != 0 || outside != c->outside)
            fail_msg("%s: got %s outside=%d", c->in, out.buf, outside);
        str_free(&out);
    }
}

/* ---- the mta schema, through site_load ---- */

typedef struct conf_case {
    const char *name, *mta;
    const char *err; /* substring of the errors; NULL: loads */
} conf_case;

static const conf_case conf_cases[] = {
    {"defaults", "", NULL},
    {"seed", "submission = { families = [\"inet\", \"inet6\"]; }; smarthost = { host = "
             "\"smtp.isp.example\"; auth = { user = \"u\"; password_file = \"/p\"; }; };",
     NULL},
    {"port out of range", "smarthost = { host = \"h\"; port = 0; };",
     "mta.smarthost.port: 0 is out of range"},
    {"host with port", "smarthost = { host = \"h:587\"; };",
     "mta.smarthost.host: a host name only"},
    {"quote in host", "smarthost = { host = \"h'x\"; };", "mta.smarthost.host: only letters"},
    {"address as host", "smarthost = { host = \"192.0.2.25\"; };", NULL},
    {"bad tls mode", "smarthost = { host = \"h\"; tls = \"ssl\"; };",
     "mta.smarthost.tls: must be \"starttls\""},
    {"user without password file", "smarthost = { host = \"h\"; auth = { user = \"u\"; }; };",
     "password_file: required"},
    {"bad family", "submission = { families = [\"ipv4\"]; };", "mta.submission.families"},
    {"relative cert", "submission = { tls = { cert = \"c.pem\"; key = \"/k\"; }; };",
     "mta.submission.tls.cert: must be an absolute path"},
    {"cert without key", "submission = { tls = { cert = \"/c.pem\"; }; };",
     "set both cert and key"},
    {"bad flavor", "flavor = \"exim\";", "mta.flavor: must be"},
    {"bad mechanism", "submission = { auth_mechanisms = [\"plain\"]; };",
     "mta.submission.auth_mechanisms"},
    {"bad timeouts", "milter_timeouts = \"C:10x\";", "mta.milter_timeouts: must look like"},
    {"good timeouts", "milter_timeouts = \"C:10s;E:5m\";", NULL},
    {"unknown key", "smarthost = { hots = \"h\"; };", "mta.smarthost.hots: unknown key"},
};

static void test_schema(void **state)
{
    char path[] = "/tmp/test_mc.XXXXXX";
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    for (size_t i = 0; i < sizeof conf_cases / sizeof conf_cases[0]; i++) {
        const conf_case *c = &conf_cases[i];
        FILE *f = fopen(path, "w");
        site_settings site;
        mta_settings mta;
        str_t errors;
        int rc;

        assert_non_null(f);
        fprintf(f, "site: { domain = \"example.net\"; hostname = \"mail.example.net\"; };\n"
                   "mta: { %s };\n", c->mta);
        fclose(f);
        str_init(&errors);
        rc = site_load(path, &site, "mta", &mta_schema, &mta, &errors);
        if (c->err == NULL) {
            if (rc != 0)
                fail_msg("%s: %s", c->name, errors.buf);
            assert_string_equal(mta.flavor, "sendmail");
            site_free(&site);
            cfg_free(&mta_schema, &mta);
        } else if (rc != -1 || strstr(errors.buf, c->err) == NULL)
            fail_msg("%s: rc %d, errors: %s", c->name, rc, errors.buf);
        str_free(&errors);
    }
    unlink(path);
}

static void test_defaults(void **state)
{
    mta_settings m;

    (void)state;
    cfg_defaults(&mta_schema, &m);
    assert_int_equal(m.submission.port, 587);
    assert_int_equal(m.smarthost.port, 587);
    assert_string_equal(m.smarthost.tls, "starttls");
    assert_int_equal(m.submission.families.count, 2);
    assert_int_equal(m.submission.auth_mechanisms.count, 2);
    assert_true(m.postfix.chroot);
    assert_string_equal(mc_settings_config_dir(&m, m.flavor), "/etc/mail");
    cfg_free(&mta_schema, &m);
}

static void test_plain(void **state)
{
    static const char *const ok[] = {"smtp.isp.example", "/etc/mail/certs/x.pem", "u@isp"};
    static const char *const bad[] = {"", "a b", "a`b", "a'b", "a,b", "a;b", "a$b", "a\nb",
                                      "a#b", "a(b", "a\"b"};

    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(mc_settings_plain(ok[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (mc_settings_plain(bad[i]))
            fail_msg("accepted %s", bad[i]);
}

/* ---- mc_file: mode from creation, ownership marks ---- */

static void test_file_write_and_owner(void **state)
{
    char dir[] = "/tmp/test_mc_dir.XXXXXX";
    char path[256];
    struct stat st;
    str_t why, h;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/secret", dir);
    str_init(&why);
    str_init(&h);
    assert_int_equal(mc_file_owner(path), MC_FILE_ABSENT);
    assert_int_equal(fileio_replace(path, "x\n", 2, 0600, FILEIO_KEEP_UID, FILEIO_KEEP_GID, &why), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(mc_file_owner(path), MC_FILE_FOREIGN);
    mc_file_header(&h, "# ", "/etc/milterkit/milterkit.conf\n`x'");
    assert_null(strchr(h.buf, '`'));
    assert_int_equal(fileio_replace(path, h.buf, h.len, 0644, FILEIO_KEEP_UID, FILEIO_KEEP_GID, &why), 0);
    assert_int_equal(mc_file_owner(path), MC_FILE_OURS);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    unlink(path);
    rmdir(dir);
    str_free(&why);
    str_free(&h);
}

/* ---- mc_apply: install with backups, rollback, report ---- */

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
    char p[512];
    FILE *f;

    snprintf(p, sizeof p, "%s/%s", dir, name);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(p, mode), 0);
}

static char *get(const char *dir, const char *name)
{
    char p[512];
    str_t s, why;

    snprintf(p, sizeof p, "%s/%s", dir, name);
    str_init(&s), str_init(&why);
    if (fileio_read(p, 1 << 20, &s, &why) < 0) {
        str_free(&s), str_free(&why);
        return NULL;
    }
    str_free(&why);
    return str_steal(&s);
}

static int count_backups(const char *dir)
{
    char cmd[600];
    FILE *p;
    int n = -1;

    snprintf(cmd, sizeof cmd, "find '%s' -name '*.milterkit-*' | wc -l", dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

static void test_apply_install_and_rollback(void **state)
{
    char dir[] = "/tmp/test_mc_apply.XXXXXX";
    mc_out o;
    mc_apply a;
    str_t why;
    char *t;

    (void)state;
    assert_non_null(mkdtemp(dir));
    str_init(&why);
    put(dir, "main.cf", "old main\n", 0644);
    put(dir, "same", "same\n", 0644);
    assert_int_equal(mc_out_init(&o, &why), 0);
    assert_int_equal(mc_out_add(&o, "main.cf", "new main\n", 9, 0644, false, &why), 0);
    assert_int_equal(mc_out_add(&o, "same", "same\n", 5, 0644, false, &why), 0);
    assert_int_equal(mc_out_add(&o, "sasl/new.conf", "new\n", 4, 0600, true, &why), 0);
    mc_apply_init(&a);
    assert_int_equal(mc_apply_install(&a, &o, dir), 0);
    assert_int_equal(a.count, 2); /* "same" was left alone */
    t = get(dir, "main.cf");
    assert_string_equal(t, "new main\n");
    free(t);
    assert_int_equal(count_backups(dir), 1);
    /* A failure later: everything as it was, no backup left. */
    assert_int_equal(mc_apply_rollback(&a), 0);
    t = get(dir, "main.cf");
    assert_string_equal(t, "old main\n");
    free(t);
    assert_null(get(dir, "sasl/new.conf"));
    assert_int_equal(count_backups(dir), 0);
    mc_apply_free(&a);
    /* Success: the backup of a changed file stays, listed. */
    mc_apply_init(&a);
    assert_int_equal(mc_apply_install(&a, &o, dir), 0);
    assert_int_equal(mc_apply_save(&a, "/nonexistent-dir/x"), 0); /* absent: noted */
    mc_apply_report(&a);
    assert_int_equal(count_backups(dir), 1);
    mc_apply_free(&a);
    /* A second run with nothing new: nothing saved, nothing written. */
    mc_apply_init(&a);
    assert_int_equal(mc_apply_install(&a, &o, dir), 0);
    assert_int_equal(a.count, 0);
    mc_apply_free(&a);
    mc_out_free(&o);
    {
        char cmd[128];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
    str_free(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tmpl_expand),
        cmocka_unit_test(test_postfix_socket),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_file_write_and_owner),
        cmocka_unit_test(test_apply_install_and_rollback),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
