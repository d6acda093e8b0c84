/*
 * mc_apply.h - what --apply changes on the machine, as one transaction:
 * every file is saved before it changes (a backup copy PATH.SUFFIX, with
 * SUFFIX "milterkit-YYYYMMDD-HHMMSS", or a note that it did not exist),
 * so that a failure after the first write puts everything back
 * (mc_apply_rollback); at the end the backups of the files that did change
 * are listed, and those of files that came out the same are removed.
 *
 * Problems are reported through mc_msg.  Not thread-safe (a CLI tool).
 */
#ifndef MK_MC_APPLY_H
#define MK_MC_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "mc_out.h"
#include "core/str.h"

typedef struct mc_saved {
    char *path;
    char *backup; /* NULL: path did not exist before */
} mc_saved;

typedef struct mc_apply {
    str_t suffix;     /* "milterkit-YYYYMMDD-HHMMSS" */
    mc_saved *saved;
    size_t count;
} mc_apply;

void mc_apply_init(mc_apply *a);
void mc_apply_free(mc_apply *a);

/* Saves path before it is changed (once per path; later calls do
 * nothing).  Returns 0, or -1 (reported): then path must not be changed. */
int mc_apply_save(mc_apply *a, const char *path);

/* Records that path was created (it did not exist before): a rollback
 * removes it. */
void mc_apply_created(mc_apply *a, const char *path);

/* Installs the staged files of o into dir (parents made 0755), each saved
 * first; a file whose contents and mode are already the same is left
 * alone, and so is a map (NAME.db) whose source NAME is.  Returns 0, or -1
 * (reported) at the first failure. */
int mc_apply_install(mc_apply *a, const mc_out *o, const char *dir);

/* Puts every saved file back as it was (and removes those that did not
 * exist).  Returns 0, or -1 when one could not be restored (reported). */
int mc_apply_rollback(mc_apply *a);

/* Lists the backups of the files that changed ("saved PATH as BACKUP",
 * "created PATH") and removes the backups of those that came out the
 * same. */
void mc_apply_report(mc_apply *a);

#endif
