/* mc_apply.c - --apply's backups, writes and rollback; see mc_apply.h. */
#include "config.h"

#include "mc_apply.h"

#include "mc_msg.h"
#include "core/fileio.h"
#include "core/mem.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void mc_apply_init(mc_apply *a)
{
    memset(a, 0, sizeof *a);
    str_init(&a->suffix);
    str_append_cstr(&a->suffix, "milterkit-");
    fileio_stamp(time(NULL), &a->suffix);
}

void mc_apply_free(mc_apply *a)
{
    for (size_t i = 0; i < a->count; i++) {
        mem_free(&a->saved[i].path);
        mem_free(&a->saved[i].backup);
    }
    mem_free(&a->saved);
    str_free(&a->suffix);
    a->count = 0;
}

int mc_apply_save(mc_apply *a, const char *path)
{
    str_t backup, why;
    mc_saved *s;
    int rc;

    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->saved[i].path, path) == 0)
            return 0;
    str_init(&backup), str_init(&why);
    rc = fileio_backup(path, a->suffix.buf, &backup, &why);
    if (rc < 0) {
        mc_error("%s", why.buf);
        str_free(&backup), str_free(&why);
        return -1;
    }
    a->saved = mem_realloc_array(a->saved, a->count + 1, sizeof *a->saved);
    s = &a->saved[a->count++];
    s->path = mem_strdup(path);
    s->backup = rc == 1 ? str_steal(&backup) : NULL;
    str_free(&backup), str_free(&why);
    return 0;
}

void mc_apply_created(mc_apply *a, const char *path)
{
    mc_saved *s;

    a->saved = mem_realloc_array(a->saved, a->count + 1, sizeof *a->saved);
    s = &a->saved[a->count++];
    s->path = mem_strdup(path);
    s->backup = NULL;
}

/* Whether dst already holds src's bytes with mode. */
static bool unchanged(const char *src, const char *dst, mode_t mode)
{
    struct stat st;

    return lstat(dst, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == mode &&
           fileio_same(src, dst);
}

/* A map (NAME.db, rebuilt in the stage: its bytes differ from build to
 * build) whose source NAME is the same as the installed one, and which is
 * installed. */
static bool map_unchanged(const mc_out *o, const char *name, const char *dir, const char *dst)
{
    size_t n = strlen(name);
    str_t src, inst;
    bool same;

    if (n < 4 || strcmp(name + n - 3, ".db") != 0 || access(dst, F_OK) != 0)
        return false;
    str_init(&src), str_init(&inst);
    str_printf(&inst, "%s/%.*s", dir, (int)(n - 3), name);
    str_printf(&src, "%s/%.*s", o->stage, (int)(n - 3), name);
    same = fileio_same(src.buf, inst.buf);
    str_free(&src), str_free(&inst);
    return same;
}

int mc_apply_install(mc_apply *a, const mc_out *o, const char *dir)
{
    str_t dst, src, parent, why;
    int rc = 0;

    str_init(&dst), str_init(&src), str_init(&parent), str_init(&why);
    for (size_t i = 0; i < o->count && rc == 0; i++) {
        const mc_out_file *f = &o->files[i];
        const char *slash = strrchr(f->name, '/');

        str_clear(&dst);
        str_printf(&dst, "%s/%s", dir, f->name);
        mc_out_path(o, f->name, &src);
        if (unchanged(src.buf, dst.buf, f->mode) ||
            (f->derived && map_unchanged(o, f->name, dir, dst.buf)))
            continue;
        str_clear(&parent);
        if (slash)
            str_printf(&parent, "%s/%.*s", dir, (int)(slash - f->name), f->name);
        if (slash && fileio_mkdirs(parent.buf, 0755) < 0) {
            mc_error("%s: %s", parent.buf, strerror(errno));
            rc = -1;
        } else if (mc_apply_save(a, dst.buf) < 0)
            rc = -1;
        else if (fileio_copy(src.buf, dst.buf, f->mode, FILEIO_KEEP_UID, FILEIO_KEEP_GID,
                             &why) < 0) {
            mc_error("%s", why.buf);
            rc = -1;
        } else
            mc_note("wrote %s%s", dst.buf, f->mode == 0600 ? " (mode 0600)" : "");
    }
    str_free(&dst), str_free(&src), str_free(&parent), str_free(&why);
    return rc;
}

int mc_apply_rollback(mc_apply *a)
{
    str_t why;
    int rc = 0;

    str_init(&why);
    for (size_t i = a->count; i-- > 0;) {
        const mc_saved *s = &a->saved[i];

        str_clear(&why);
        if (s->backup == NULL) {
            if (unlink(s->path) < 0 && errno != ENOENT) {
                mc_error("%s: cannot remove it again: %s", s->path, strerror(errno));
                rc = -1;
            } else
                mc_note("removed %s again", s->path);
        } else if (fileio_restore(s->backup, s->path, &why) < 0) {
            mc_error("%s: cannot restore it from %s: %s", s->path, s->backup, why.buf);
            rc = -1;
        } else {
            mc_note("restored %s from %s", s->path, s->backup);
            unlink(s->backup);
        }
    }
    str_free(&why);
    return rc;
}

void mc_apply_report(mc_apply *a)
{
    for (size_t i = 0; i < a->count; i++) {
        const mc_saved *s = &a->saved[i];

        if (s->backup == NULL)
            mc_note("created %s", s->path);
        else if (fileio_same(s->path, s->backup))
            unlink(s->backup);
        else
            mc_note("backup: %s saved as %s", s->path, s->backup);
    }
}
