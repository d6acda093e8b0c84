/*
 * mc_out.h - the set of files one run generates.  They are first written
 * into a private staging directory (so m4, makemap and the checks work on
 * them), then either installed into the output directory, or compared with
 * what is there (--diff), or only checked (--check).
 *
 * Installing never replaces a file that does not carry MC_MARK unless
 * forced, and says so; secret files keep mode 0600 and their contents are
 * never shown in a diff.
 */
#ifndef MK_MC_OUT_H
#define MK_MC_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/str.h"

typedef struct mc_out_file {
    char *name;   /* relative to the stage and the output directory */
    mode_t mode;
    bool secret;  /* contents never shown */
    bool derived; /* binary, built from another file (a .db map) */
} mc_out_file;

typedef struct mc_out {
    char *stage; /* private temporary directory */
    mc_out_file *files;
    size_t count;
} mc_out;

/* Creates the staging directory.  Returns 0 or -1 with why. */
int mc_out_init(mc_out *o, str_t *why);
/* Removes the staging directory and frees o. */
void mc_out_free(mc_out *o);

/* Writes a generated file into the stage (parents created).  Returns 0 or
 * -1 with why. */
int mc_out_add(mc_out *o, const char *name, const char *data, size_t len, mode_t mode,
               bool secret, str_t *why);
/* mc_out_add() of a text being built: reports a failure with mc_error(),
 * wipes the text when secret, and leaves data empty for the next file.
 * Returns 0 or -1. */
int mc_out_take(mc_out *o, const char *name, str_t *data, mode_t mode, bool secret);
/* Records a file some program created in the stage (e.g. authinfo.db);
 * its mode is set to mode.  Warns, and records nothing, when it is not
 * there. */
void mc_out_add_derived(mc_out *o, const char *name, mode_t mode);

/* The stage path of name, in buf (replaced); returns buf->buf. */
const char *mc_out_path(const mc_out *o, const char *name, str_t *buf);

/* Copies every file into dir.  A file there without MC_MARK is replaced
 * only with force (with a warning); otherwise nothing at all is written and
 * -1 is returned with the refused files reported through mc_error(). */
int mc_out_install(const mc_out *o, const char *dir, bool force);

/* Prints on stdout what installing into dir would change: `diff -u` of
 * each changed file (the date lines of m4's output ignored), the whole
 * contents of a new file, the mode of a file whose mode changes; the
 * contents of secret files are never shown, only that they would change
 * or be new.  Returns the number of files that would change, or -1 when
 * diff(1) could not run (reported). */
int mc_out_diff(const mc_out *o, const char *dir);

/* Prints `diff -u` of files a and b on stdout with those labels.  Returns
 * 0 when they are the same, 1 when they differ, -1 when diff(1) could not
 * run (reported). */
int mc_out_diff_files(const char *label_a, const char *a, const char *label_b, const char *b);

#endif
