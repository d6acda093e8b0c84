/* mc_out.c - staged output files: install, diff; see mc_out.h. */
#include "config.h"

#include "mc_out.h"

#include "mc_file.h"
#include "mc_msg.h"
#include "mc_run.h"
#include "core/fileio.h"
#include "core/mem.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mc_out_init(mc_out *o, str_t *why)
{
    const char *tmp = getenv("TMPDIR");
    str_t t;

    memset(o, 0, sizeof *o);
    str_init(&t);
    str_printf(&t, "%s/milterkit-mc.XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
    if (mkdtemp(t.buf) == NULL) {
        str_printf(why, "%s: %s", t.buf, strerror(errno));
        str_free(&t);
        return -1;
    }
    o->stage = str_steal(&t);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void mc_out_free(mc_out *o)
{
    if (o->stage)
        nftw(o->stage, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < o->count; i++)
        mem_free(&o->files[i].name);
    mem_free(&o->files);
    mem_free(&o->stage);
    o->count = 0;
}

const char *mc_out_path(const mc_out *o, const char *name, str_t *buf)
{
    str_clear(buf);
    str_printf(buf, "%s/%s", o->stage, name);
    return buf->buf;
}

static void record(mc_out *o, const char *name, mode_t mode, bool secret, bool derived)
{
    mc_out_file *f;

    o->files = mem_realloc_array(o->files, o->count + 1, sizeof *o->files);
    f = &o->files[o->count++];
    f->name = mem_strdup(name);
    f->mode = mode;
    f->secret = secret;
    f->derived = derived;
}

static int mkparents(const char *base, const char *name)
{
    const char *slash = strrchr(name, '/');
    str_t d;
    int rc;

    if (slash == NULL)
        return 0;
    str_init(&d);
    str_printf(&d, "%s/%.*s", base, (int)(slash - name), name);
    rc = fileio_mkdirs(d.buf, 0755);
    str_free(&d);
    return rc;
}

int mc_out_add(mc_out *o, const char *name, const char *data, size_t len, mode_t mode,
               bool secret, str_t *why)
{
    str_t path;
    int rc;

    str_init(&path);
    if (mkparents(o->stage, name) < 0) {
        str_printf(why, "%s: cannot create its directory: %s", name, strerror(errno));
        str_free(&path);
        return -1;
    }
    rc = fileio_replace(mc_out_path(o, name, &path), data, len, mode, FILEIO_KEEP_UID,
                        FILEIO_KEEP_GID, why);
    str_free(&path);
    if (rc == 0)
        record(o, name, mode, secret, false);
    return rc;
}

void mc_out_add_derived(mc_out *o, const char *name, mode_t mode)
{
    str_t path;

    struct stat st;

    str_init(&path);
    mc_out_path(o, name, &path);
    if (lstat(path.buf, &st) == 0 && S_ISREG(st.st_mode) && chmod(path.buf, mode) == 0)
        record(o, name, mode, true, true);
    else
        mc_warn("%s was not created", name);
    str_free(&path);
}

int mc_out_install(const mc_out *o, const char *dir, bool force)
{
    str_t dst, src, why;
    int refused = 0, rc = 0;

    str_init(&dst);
    str_init(&src);
    str_init(&why);
    for (size_t i = 0; i < o->count; i++) {
        const mc_out_file *f = &o->files[i];

        str_clear(&dst);
        str_printf(&dst, "%s/%s", dir, f->name);
        if (f->derived || mc_file_owner(dst.buf) != MC_FILE_FOREIGN)
            continue;
        if (force)
            mc_warn("%s: replacing a file milterkit-mc did not write (--force)", dst.buf);
        else {
            mc_error("%s: exists and was not written by milterkit-mc; move it away, "
                     "or use --force to replace it", dst.buf);
            refused++;
        }
    }
    for (size_t i = 0; i < o->count && refused == 0; i++) {
        const mc_out_file *f = &o->files[i];

        str_clear(&dst);
        str_printf(&dst, "%s/%s", dir, f->name);
        str_clear(&why);
        if (mkparents(dir, f->name) < 0) {
            mc_error("%s: cannot create its directory: %s", dst.buf, strerror(errno));
            rc = -1;
        } else if (fileio_copy(mc_out_path(o, f->name, &src), dst.buf, f->mode, FILEIO_KEEP_UID,
                               FILEIO_KEEP_GID, &why) < 0) {
            mc_error("%s", why.buf);
            rc = -1;
        } else
            mc_note("wrote %s%s", dst.buf, f->mode == 0600 ? " (mode 0600)" : "");
    }
    str_free(&dst);
    str_free(&src);
    str_free(&why);
    return refused ? -1 : rc;
}

/* Runs diff -u [-I ignore] on a and b; prints the differences. */
static int run_diff(const char *label_a, const char *a, const char *label_b, const char *b,
                    const char *ignore)
{
    const char *argv[12] = {"/usr/bin/diff", "-u"};
    size_t n = 2;
    str_t why;
    mc_run_result r;
    mc_run_opts opts = {0};
    int rc;

    if (ignore) {
        argv[n++] = "-I";
        argv[n++] = ignore;
    }
    argv[n++] = "--label";
    argv[n++] = label_a;
    argv[n++] = "--label";
    argv[n++] = label_b;
    argv[n++] = a;
    argv[n++] = b;
    argv[n] = NULL;
    str_init(&why);
    mc_run_result_init(&r);
    if (mc_run(argv, &opts, &r, &why) < 0 || r.status > 1) {
        mc_error("diff %s: %s%s", label_a, why.buf, r.err.buf);
        rc = -1;
    } else {
        fputs(r.out.buf, stdout);
        rc = r.status;
    }
    mc_run_result_free(&r);
    str_free(&why);
    return rc;
}

int mc_out_diff_files(const char *label_a, const char *a, const char *label_b, const char *b)
{
    return run_diff(label_a, a, label_b, b, NULL);
}

static int diff_one(const mc_out *o, const mc_out_file *f, const char *dir)
{
    str_t dst, src, label;
    struct stat st;
    bool exists;
    int changed = 0;

    str_init(&dst), str_init(&src), str_init(&label);
    str_printf(&dst, "%s/%s", dir, f->name);
    mc_out_path(o, f->name, &src);
    exists = stat(dst.buf, &st) == 0;
    if (!exists) {
        printf("new file %s (mode %04o)%s\n", dst.buf, (unsigned)f->mode,
               f->secret ? ", contents not shown" : ":");
        str_printf(&label, "%s (new)", dst.buf);
        changed = f->secret ? 1 : run_diff("/dev/null", "/dev/null", label.buf, src.buf, NULL);
    } else if (f->derived || fileio_same(dst.buf, src.buf))
        changed = 0; /* a map changes when its source does */
    else if (f->secret) {
        printf("%s: would change (secret, contents not shown)\n", dst.buf);
        changed = 1;
    } else
        changed = run_diff(dst.buf, dst.buf, "new", src.buf, "^##### ");
    if (changed == 0 && exists && !f->derived && (st.st_mode & 07777) != f->mode) {
        printf("%s: mode %04o would become %04o\n", dst.buf, (unsigned)(st.st_mode & 07777),
               (unsigned)f->mode);
        changed = 1;
    }
    str_free(&dst), str_free(&src), str_free(&label);
    return changed;
}

int mc_out_diff(const mc_out *o, const char *dir)
{
    int total = 0;

    for (size_t i = 0; i < o->count; i++) {
        int c = diff_one(o, &o->files[i], dir);

        if (c < 0)
            total = -1;
        else if (total >= 0)
            total += c;
    }
    fflush(stdout);
    return total;
}

int mc_out_take(mc_out *o, const char *name, str_t *data, mode_t mode, bool secret)
{
    str_t why;
    int rc;

    str_init(&why);
    rc = mc_out_add(o, name, data->buf, data->len, mode, secret, &why);
    if (rc < 0)
        mc_error("%s", why.buf);
    if (secret)
        explicit_bzero(data->buf, data->len);
    str_clear(data);
    str_free(&why);
    return rc;
}
