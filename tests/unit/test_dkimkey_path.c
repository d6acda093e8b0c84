/*
 * test_dkimkey_path.c - unit tests of the key file rule (lib/dkim/
 * dkimkey_path.c, described in dkimkey.h): one table of files and
 * directories, each accepted or refused with the offending component, the
 * reason and the command that fixes it, judged for the account a daemon
 * drops to ("nobody" here, as in the milter-level tests).
 *
 * Owners and groups are set with chown, so the table needs root; run as
 * another user only the cases owned by that user run.  The tree is made
 * under /run (root's, mode 0755: a path the rule accepts; /tmp is sticky
 * and world-writable, which the rule refuses), or $HOME when not root.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim/dkimkey.h"
#include "core/mem.h"
#include "core/str.h"

#ifndef DKIM_TEST_DATA
#define DKIM_TEST_DATA "tests/data/dkim"
#endif

static char dir[512];
static bool usable; /* the tree could be made: else every test is skipped */
static dkimkey_reader_t reader;
static uid_t other_uid = 1; /* "daemon" on Debian: neither root nor the reader */
static gid_t other_gid = 1;

/* Who owns an entry of the tree. */
enum who { READER, ROOT, OTHER };

static uid_t uid_of(enum who w)
{
    return w == READER ? reader.uid : w == ROOT ? 0 : other_uid;
}

static gid_t gid_of(enum who w)
{
    return w == READER ? reader.gid : w == ROOT ? 0 : other_gid;
}

static void put_key(const char *rel, enum who owner, enum who group, mode_t mode)
{
    char src[512], dst[1024];
    char buf[4096];
    ssize_t n;
    int in, out;

    snprintf(src, sizeof(src), "%s/ed25519-dknewkey.key", DKIM_TEST_DATA);
    snprintf(dst, sizeof(dst), "%s/%s", dir, rel);
    in = open(src, O_RDONLY);
    assert_true(in >= 0);
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(out >= 0);
    while ((n = read(in, buf, sizeof(buf))) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    close(in);
    close(out);
    if (geteuid() == 0)
        assert_int_equal(chown(dst, uid_of(owner), gid_of(group)), 0);
    assert_int_equal(chmod(dst, mode), 0);
}

static void make_dir(const char *rel, enum who owner, enum who group, mode_t mode)
{
    char p[1024];

    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    assert_int_equal(mkdir(p, 0700), 0);
    if (geteuid() == 0)
        assert_int_equal(chown(p, uid_of(owner), gid_of(group)), 0);
    assert_int_equal(chmod(p, mode), 0);
}

static void make_link(const char *rel, const char *target)
{
    char p[1024];

    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
    const char *base = geteuid() == 0 ? "/run" : getenv("HOME");
    struct passwd *pw = getpwnam("daemon");
    str_t why;

    (void)state;
    /* Not root and no usable $HOME (a package build): nothing to test on. */
    if (base == NULL)
        return 0;
    snprintf(dir, sizeof(dir), "%s/test_dkimkey_path.XXXXXX", base);
    if (mkdtemp(dir) == NULL)
        return 0;
    chmod(dir, 0755);
    str_init(&why);
    /* Root judges for the account a daemon drops to; others for themselves. */
    if (dkimkey_reader_for("nobody", NULL, &reader, &why) < 0) {
        fprintf(stderr, "reader: %s\n", why.buf);
        return -1;
    }
    str_free(&why);
    if (pw != NULL) {
        other_uid = pw->pw_uid;
        other_gid = pw->pw_gid;
    }
    usable = true;
    return 0;
}

static int teardown(void **state)
{
    char cmd[600];

    (void)state;
    if (!usable)
        return 0;
    dkimkey_reader_free(&reader);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The tree of the table below. */
static void build_tree(void)
{
    make_dir("safe", ROOT, ROOT, 0755);
    put_key("safe/reader-0600", READER, READER, 0600);
    put_key("safe/reader-0400", READER, ROOT, 0400);
    put_key("safe/rootgrp-0640", ROOT, READER, 0640);
    put_key("safe/root-0600", ROOT, ROOT, 0600);
    put_key("safe/reader-0644", READER, READER, 0644);
    put_key("safe/root-0644", ROOT, ROOT, 0644);
    put_key("safe/reader-0640-root", READER, ROOT, 0640);
    put_key("safe/reader-0620", READER, READER, 0620);
    put_key("safe/reader-0602", READER, READER, 0602);
    put_key("safe/rootgrp-0660", ROOT, READER, 0660);
    put_key("safe/reader-0040", READER, READER, 0040);
    put_key("safe/other-0600", OTHER, OTHER, 0600);
    make_dir("ow", ROOT, ROOT, 0777);
    put_key("ow/key", READER, READER, 0600);
    make_dir("gw", ROOT, ROOT, 0775);
    put_key("gw/key", READER, READER, 0600);
    make_dir("sticky", ROOT, ROOT, 01777);
    put_key("sticky/key", READER, READER, 0600);
    make_dir("closed", ROOT, ROOT, 0700);
    put_key("closed/key", READER, READER, 0600);
    make_dir("grpdir", ROOT, READER, 0750);
    put_key("grpdir/key", READER, READER, 0600);
    make_dir("otherdir", OTHER, OTHER, 0755);
    put_key("otherdir/key", READER, READER, 0600);
    make_link("safe/link-to-safe", "reader-0600");
    make_link("safe/link-to-unsafe", "../ow/key");
}

static const struct {
    const char *rel;
    bool needs_root;      /* has entries owned by others than the test's user */
    const char *offender; /* relative to dir, NULL = accepted */
    const char *reason;
    const char *fix;      /* in the message; @ = the offender's full path */
} cases[] = {
    {"safe/reader-0600", false, NULL, NULL, NULL},
    {"safe/reader-0400", true, NULL, NULL, NULL},
    {"safe/rootgrp-0640", true, NULL, NULL, NULL},
    {"safe/link-to-safe", false, NULL, NULL, NULL},
    {"grpdir/key", true, NULL, NULL, NULL},
    /* The README's old step: root's key, 0600: -n and the start would take
     * it, the reload as nobody could not. */
    {"safe/root-0600", true, "safe/root-0600",
     "(owner root, group root, mode 0600) is not readable by nobody",
     "run `chown nobody @` or `chgrp nogroup @ && chmod 0640 @`"},
    {"safe/reader-0644", false, "safe/reader-0644", "readable by others (mode 0644)",
     "run `chmod 0600 @`"},
    {"safe/root-0644", true, "safe/root-0644", "readable by others (mode 0644)",
     "run `chown nobody @ && chmod 0600 @`"},
    {"safe/reader-0640-root", true, "safe/reader-0640-root",
     "readable by group root (mode 0640), not only by nobody", "run `chmod 0600 @`"},
    {"safe/reader-0620", false, "safe/reader-0620", "writable by its group (mode 0620)",
     "run `chmod 0600 @`"},
    {"safe/reader-0602", false, "safe/reader-0602", "writable by others (mode 0602)",
     "run `chmod 0600 @`"},
    {"safe/rootgrp-0660", true, "safe/rootgrp-0660", "writable by its group (mode 0660)",
     "run `chmod 0640 @`"},
    {"safe/reader-0040", false, "safe/reader-0040", "is not readable by nobody", NULL},
    {"safe/other-0600", true, "safe/other-0600", "owned by daemon, not by root nor nobody",
     "run `chown nobody @`"},
    {"ow/key", false, "ow", "directory on the key path is writable by others (mode 0777)", NULL},
    {"gw/key", false, "gw", "writable by its group (mode 0775)", "run `chmod g-w @`"},
    /* Sticky does not help: the pages promise /tmp-like directories are
     * refused. */
    {"sticky/key", false, "sticky", "writable by others (mode 1777)", "/etc/milterkit/keys"},
    {"closed/key", true, "closed", "cannot be entered by nobody (owner root, mode 0700)",
     "run `chmod o+x @`"},
    {"otherdir/key", true, "otherdir", "owned by daemon, not by root nor nobody", NULL},
    {"safe/link-to-unsafe", false, "ow", "writable by others", NULL},
    {"safe/missing", false, "safe/missing", "No such file", NULL},
    {"safe", false, "safe", "not a regular file", NULL},
};

/* fix with each "@" replaced by path. */
static void expand_fix(const char *fix, const char *path, str_t *out)
{
    for (const char *p = fix; *p != '\0'; p++) {
        if (*p == '@')
            str_append_cstr(out, path);
        else
            str_append_char(out, *p);
    }
}

static void rule_table(void **state)
{
    (void)state;
    if (!usable)
        skip();
    build_tree();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[1024], offender[1024];
        dkimkey_t *key = NULL;
        str_t why;

        if (cases[i].needs_root && geteuid() != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, cases[i].rel);
        str_init(&why);
        if (cases[i].offender == NULL) {
            if (dkimkey_load_file(path, &reader, &key, &why) < 0)
                fail_msg("%s refused: %s", cases[i].rel, why.buf);
            dkimkey_free(&key);
        } else {
            assert_int_equal(dkimkey_check_path(path, &reader, &why), -1);
            snprintf(offender, sizeof(offender), "%s/%s: ", dir, cases[i].offender);
            if (strncmp(why.buf, offender, strlen(offender)) != 0 ||
                strstr(why.buf, cases[i].reason) == NULL)
                fail_msg("%s: unexpected \"%s\"", cases[i].rel, why.buf);
            if (cases[i].fix != NULL) {
                str_t fix;

                str_init(&fix);
                offender[strlen(offender) - 2] = '\0';
                expand_fix(cases[i].fix, offender, &fix);
                if (strstr(why.buf, fix.buf) == NULL)
                    fail_msg("%s: no \"%s\" in \"%s\"", cases[i].rel, fix.buf, why.buf);
                str_free(&fix);
            }
            str_clear(&why);
            assert_int_equal(dkimkey_load_file(path, &reader, &key, &why), -1);
            assert_null(key);
        }
        str_free(&why);
    }
}

/* check_key_permissions = false: nothing is checked. */
static void no_reader_loads_unsafe_file(void **state)
{
    char path[1024];
    dkimkey_t *key = NULL;
    str_t why;

    (void)state;
    if (!usable)
        skip();
    snprintf(path, sizeof(path), "%s/ow/key", dir);
    str_init(&why);
    assert_int_equal(dkimkey_load_file(path, NULL, &key, &why), 0);
    dkimkey_free(&key);
    str_free(&why);
}

static void relative_path_is_checked(void **state)
{
    char cwd[512];
    dkimkey_t *key = NULL;
    str_t why;

    (void)state;
    if (!usable)
        skip();
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    str_init(&why);
    assert_int_equal(dkimkey_load_file("ow/key", &reader, &key, &why), -1);
    assert_non_null(strstr(why.buf, "/ow: "));
    str_clear(&why);
    assert_int_equal(dkimkey_load_file("safe/reader-0600", &reader, &key, &why), 0);
    dkimkey_free(&key);
    str_free(&why);
    assert_int_equal(chdir(cwd), 0);
}

/* Root judges for site.user (and site.group); others for themselves. */
static void reader_is_site_user_for_root(void **state)
{
    dkimkey_reader_t r;
    struct group *gr;
    str_t why;

    (void)state;
    str_init(&why);
    if (geteuid() != 0) {
        assert_int_equal(dkimkey_reader_for("no-such-user-x", NULL, &r, &why), 0);
        assert_int_equal(r.uid, geteuid());
        dkimkey_reader_free(&r);
        str_free(&why);
        return;
    }
    assert_int_equal(dkimkey_reader_for("nobody", NULL, &r, &why), 0);
    assert_string_equal(r.user, "nobody");
    assert_int_equal(r.gid, getpwnam("nobody")->pw_gid);
    dkimkey_reader_free(&r);
    gr = getgrnam("daemon");
    if (gr != NULL) {
        assert_int_equal(dkimkey_reader_for("nobody", "daemon", &r, &why), 0);
        assert_int_equal(r.gid, gr->gr_gid);
        assert_string_equal(r.group, "daemon");
        dkimkey_reader_free(&r);
    }
    assert_int_equal(dkimkey_reader_for("no-such-user-x", NULL, &r, &why), -1);
    assert_non_null(strstr(why.buf, "no such user no-such-user-x"));
    str_clear(&why);
    assert_int_equal(dkimkey_reader_for("nobody", "no-such-group-x", &r, &why), -1);
    assert_non_null(strstr(why.buf, "no such group no-such-group-x"));
    str_free(&why);
}

/* A path with a space gets a quoted fix. */
static void fix_is_quoted(void **state)
{
    char path[1024];
    str_t why;

    (void)state;
    if (!usable)
        skip();
    snprintf(path, sizeof(path), "%s/safe/a key", dir);
    put_key("safe/a key", READER, READER, 0644);
    str_init(&why);
    assert_int_equal(dkimkey_check_path(path, &reader, &why), -1);
    if (strstr(why.buf, "chmod 0600 '") == NULL || strstr(why.buf, "/safe/a key'`") == NULL)
        fail_msg("unquoted: %s", why.buf);
    str_free(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_table),
        cmocka_unit_test(no_reader_loads_unsafe_file),
        cmocka_unit_test(relative_path_is_checked),
        cmocka_unit_test(reader_is_site_user_for_root),
        cmocka_unit_test(fix_is_quoted),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
