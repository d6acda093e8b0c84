/* test_fileio.c - unit tests of lib/core/fileio: bounded reads, atomic
 * replaces with the mode from creation on, exclusive creates that refuse
 * existing files and symbolic links, backups that never overwrite an
 * earlier one, and their restore. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"

typedef struct tdir {
    char path[64];
} tdir;

static int setup(void **state)
{
    tdir *d = calloc(1, sizeof *d);

    if (d == NULL)
        return -1;
    snprintf(d->path, sizeof d->path, "/tmp/test_fileio.XXXXXX");
    if (mkdtemp(d->path) == NULL)
        return -1;
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    tdir *d = *state;
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
    if (system(cmd) != 0)
        return -1;
    free(d);
    return 0;
}

/* DIR/name, in buf. */
static const char *in(const tdir *d, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", d->path, name);
    return buf;
}

static void put(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static char *slurp(const char *path)
{
    str_t s, why;

    str_init(&s);
    str_init(&why);
    assert_int_equal(fileio_read(path, 1 << 20, &s, &why), 0);
    str_free(&why);
    return str_steal(&s);
}

static mode_t mode_of(const char *path)
{
    struct stat st;

    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

/* Entries of dir other than . and .. */
static int entries(const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(dh);
    while ((e = readdir(dh)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dh);
    return n;
}

/* ---- fileio_read: the bound, table-driven ---- */

typedef struct read_case {
    const char *text;
    size_t max;
    int rc;
} read_case;

static const read_case read_cases[] = {
    {"", 0, 0},
    {"abc", 3, 0},
    {"abc", 2, -1},
    {"abc\n", 100, 0},
};

static void read_bounded(void **state)
{
    tdir *d = *state;
    char p[128];

    in(d, "r", p, sizeof p);
    for (size_t i = 0; i < sizeof read_cases / sizeof read_cases[0]; i++) {
        const read_case *c = &read_cases[i];
        str_t out, why;
        int rc;

        put(p, c->text, 0644);
        str_init(&out);
        str_init(&why);
        str_append_cstr(&out, "old");
        rc = fileio_read(p, c->max, &out, &why);
        if (rc != c->rc)
            fail_msg("case %zu: rc %d", i, rc);
        if (rc == 0)
            assert_string_equal(out.buf, c->text);
        else {
            assert_int_equal(out.len, 0); /* nothing of a secret left */
            assert_non_null(strstr(why.buf, "larger than"));
        }
        str_free(&out);
        str_free(&why);
    }
    {
        str_t out, why;

        str_init(&out);
        str_init(&why);
        assert_int_equal(fileio_read(in(d, "missing", p, sizeof p), 10, &out, &why), -1);
        assert_non_null(strstr(why.buf, "missing: No such file"));
        str_free(&out);
        str_free(&why);
    }
}

/* ---- fileio_replace ---- */

static void replace_sets_mode_and_content(void **state)
{
    tdir *d = *state;
    char p[128];
    str_t why;
    mode_t old = umask(0);
    char *got;

    str_init(&why);
    in(d, "secret", p, sizeof p);
    put(p, "old\n", 0644);
    assert_int_equal(fileio_replace(p, "new\n", 4, 0600, FILEIO_KEEP_UID, FILEIO_KEEP_GID, &why),
                     0);
    umask(old);
    assert_int_equal(mode_of(p), 0600);
    got = slurp(p);
    assert_string_equal(got, "new\n");
    free(got);
    assert_int_equal(entries(d->path), 1); /* no temporary file left */
    str_free(&why);
}

static void replace_replaces_a_symlink_not_its_target(void **state)
{
    tdir *d = *state;
    char link[128], target[128];
    str_t why;
    char *got;

    str_init(&why);
    in(d, "target", target, sizeof target);
    in(d, "link", link, sizeof link);
    put(target, "target\n", 0644);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(fileio_replace(link, "x", 1, 0644, FILEIO_KEEP_UID, FILEIO_KEEP_GID, &why),
                     0);
    got = slurp(target);
    assert_string_equal(got, "target\n");
    free(got);
    {
        struct stat st;

        assert_int_equal(lstat(link, &st), 0);
        assert_true(S_ISREG(st.st_mode));
    }
    str_free(&why);
}

static void replace_fails_cleanly(void **state)
{
    tdir *d = *state;
    char p[128];
    str_t why;

    str_init(&why);
    in(d, "nodir/file", p, sizeof p);
    assert_int_equal(fileio_replace(p, "x", 1, 0644, FILEIO_KEEP_UID, FILEIO_KEEP_GID, &why), -1);
    assert_non_null(strstr(why.buf, "nodir/file: cannot create a file beside it"));
    assert_int_equal(entries(d->path), 0);
    str_free(&why);
}

/* ---- fileio_create_new ---- */

static void create_new_is_exclusive_and_exact(void **state)
{
    tdir *d = *state;
    char p[128], l[128];
    str_t why;
    mode_t old = umask(077);
    char *got;

    str_init(&why);
    in(d, "key", p, sizeof p);
    assert_int_equal(fileio_create_new(p, "secret", 6, 0640, &why), 0);
    umask(old);
    assert_int_equal(mode_of(p), 0640); /* the umask did not narrow it */
    assert_int_equal(fileio_create_new(p, "other", 5, 0600, &why), -1);
    assert_non_null(strstr(why.buf, "exists already; refusing to overwrite it"));
    got = slurp(p);
    assert_string_equal(got, "secret");
    free(got);
    /* A symbolic link, even dangling, is not followed. */
    str_clear(&why);
    in(d, "dangling", l, sizeof l);
    assert_int_equal(symlink("/tmp/test_fileio-nowhere", l), 0);
    assert_int_equal(fileio_create_new(l, "x", 1, 0600, &why), -1);
    assert_int_equal(access("/tmp/test_fileio-nowhere", F_OK), -1);
    str_free(&why);
}

/* ---- backups ---- */

static void backup_and_restore(void **state)
{
    tdir *d = *state;
    char p[128];
    str_t why, b1, b2;
    struct stat before, after;
    char *got;

    str_init(&why);
    str_init(&b1);
    str_init(&b2);
    in(d, "main.cf", p, sizeof p);
    assert_int_equal(fileio_backup(p, "bak", &b1, &why), 0); /* nothing to save */
    put(p, "original\n", 0640);
    assert_int_equal(stat(p, &before), 0);
    assert_int_equal(fileio_backup(p, "bak", &b1, &why), 1);
    assert_true(strlen(b1.buf) > strlen(p) && strcmp(b1.buf + strlen(p), ".bak") == 0);
    assert_int_equal(fileio_backup(p, "bak", &b2, &why), 1); /* never over the first */
    assert_true(strcmp(b2.buf + strlen(p), ".bak.1") == 0);
    assert_int_equal(stat(b1.buf, &after), 0);
    assert_int_equal(after.st_mode & 07777, 0640);
    assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
    assert_true(fileio_same(p, b1.buf));
    assert_int_equal(fileio_replace(p, "changed\n", 8, 0644, FILEIO_KEEP_UID, FILEIO_KEEP_GID,
                                    &why), 0);
    assert_false(fileio_same(p, b1.buf));
    assert_int_equal(fileio_restore(b1.buf, p, &why), 0);
    got = slurp(p);
    assert_string_equal(got, "original\n");
    free(got);
    assert_int_equal(mode_of(p), 0640);
    assert_int_equal(access(b1.buf, F_OK), 0); /* the backup stays */
    str_free(&why);
    str_free(&b1);
    str_free(&b2);
}

static void copy_and_same(void **state)
{
    tdir *d = *state;
    char a[128], b[128];
    str_t why;

    str_init(&why);
    in(d, "a", a, sizeof a);
    in(d, "b", b, sizeof b);
    assert_false(fileio_same(a, b)); /* missing */
    put(a, "sasldb bytes", 0660);
    assert_int_equal(fileio_copy(a, b, 0640, FILEIO_KEEP_UID, FILEIO_KEEP_GID, &why), 0);
    assert_true(fileio_same(a, b));
    assert_int_equal(mode_of(b), 0640);
    put(b, "sasldb byteS", 0640);
    assert_false(fileio_same(a, b));
    put(b, "sasldb bytes+", 0640);
    assert_false(fileio_same(a, b));
    str_free(&why);
}

static void mkdirs(void **state)
{
    tdir *d = *state;
    char p[128], f[128];
    struct stat st;

    in(d, "x/y/z", p, sizeof p);
    assert_int_equal(fileio_mkdirs(p, 0750), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(fileio_mkdirs(p, 0750), 0); /* exists: fine */
    in(d, "file", f, sizeof f);
    put(f, "", 0644);
    in(d, "file/sub", p, sizeof p);
    assert_int_equal(fileio_mkdirs(p, 0755), -1);
    assert_int_equal(errno, ENOTDIR);
    assert_int_equal(fileio_mkdirs("/", 0755), 0);
    assert_int_equal(fileio_mkdirs("", 0755), 0);
}

static void stamp(void **state)
{
    str_t s;

    (void)state;
    str_init(&s);
    fileio_stamp(1795000000, &s);
    assert_int_equal(s.len, 15);
    assert_int_equal(strspn(s.buf, "0123456789-"), 15);
    assert_int_equal(s.buf[8], '-');
    str_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(read_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(replace_sets_mode_and_content, setup, teardown),
        cmocka_unit_test_setup_teardown(replace_replaces_a_symlink_not_its_target, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(replace_fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(create_new_is_exclusive_and_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(backup_and_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_and_same, setup, teardown),
        cmocka_unit_test_setup_teardown(mkdirs, setup, teardown),
        cmocka_unit_test(stamp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
