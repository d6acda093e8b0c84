/*
 * fileio.h - reading and writing whole files safely, defined once for the
 * tools (milterkit-mc, milterkit-keygen):
 *   - a bounded read of a whole file;
 *   - an atomic replace: a temporary file in the same directory, written,
 *     fsync'ed and renamed over the target, with its mode (and owner) set
 *     before the first byte, so a secret is never readable by others, and
 *     a reader sees the old file or the new one, never a part;
 *   - an exclusive create: never over an existing file, never through a
 *     symbolic link;
 *   - a backup copy before a replace (PATH.SUFFIX, never over an earlier
 *     backup) and its restore;
 *   - directories with their parents.
 *
 * Fallible functions return -1 and append "PATH: reason" to why.  Nothing
 * is kept between calls.  All functions are thread-safe except
 * fileio_create_new(), which sets the process umask around open(2).
 */
#ifndef MK_FILEIO_H
#define MK_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "core/str.h"

/* For the uid and gid arguments: leave the owner as the process made it. */
#define FILEIO_KEEP_UID ((uid_t)-1)
#define FILEIO_KEEP_GID ((gid_t)-1)

/* Reads all of path into out (its contents replaced), refusing files over
 * max bytes (symbolic links are followed).  Returns 0, or -1 with why
 * (what was read is then wiped from out: it may be a secret). */
int fileio_read(const char *path, size_t max, str_t *out, str_t *why);

/* Replaces path atomically with data: the temporary file ".NAME.XXXXXX"
 * beside it gets mode and, unless FILEIO_KEEP_*, owner uid and group gid
 * (chown needs root for other owners), then the data, fsync(2), rename(2)
 * over path, and an fsync of the directory.  A symbolic link at path is
 * replaced by the file, not followed.  Returns 0, or -1 with why (path is
 * then as it was and no temporary file is left). */
int fileio_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
                   gid_t gid, str_t *why);

/* Creates path, which must not exist (O_EXCL; a symbolic link counts as
 * existing), with exactly mode (the umask cannot widen or narrow it),
 * writes data and fsyncs.  On any failure the new file is removed again.
 * Returns 0, or -1 with why ("exists already; refusing to overwrite it"
 * when it does). */
int fileio_create_new(const char *path, const void *data, size_t len, mode_t mode, str_t *why);

/* Copies src over dst atomically (as fileio_replace) with mode, uid, gid.
 * Returns 0, or -1 with why. */
int fileio_copy(const char *src, const char *dst, mode_t mode, uid_t uid, gid_t gid,
                str_t *why);

/* Saves a copy of path as "PATH.SUFFIX", or "PATH.SUFFIX.N" (N = 1, 2, ...)
 * when that name is taken: created exclusively with path's mode, owner and
 * modification time.  Returns 1 with the backup's name in backup_r
 * (replaced), 0 when path does not exist (nothing to save), or -1 with why. */
int fileio_backup(const char *path, const char *suffix, str_t *backup_r, str_t *why);

/* Puts a backup made by fileio_backup() back at path, atomically, with the
 * backup's mode, owner and modification time; the backup stays.  Returns 0,
 * or -1 with why. */
int fileio_restore(const char *backup, const char *path, str_t *why);

/* Whether files a and b hold the same bytes (false when either cannot be
 * read). */
bool fileio_same(const char *a, const char *b);

/* Creates dir and its missing parents with mode.  Returns 0, or -1 with
 * errno set (EEXIST is not an error; a non-directory in the way is). */
int fileio_mkdirs(const char *dir, mode_t mode);

/* Appends the local time t as "YYYYMMDD-HHMMSS" (for backup suffixes). */
void fileio_stamp(time_t t, str_t *out);

#endif
