/*
 * mapfile.h - a text map file in makemap(8)'s input syntax, read into
 * memory and looked up by key.
 *
 * Syntax (as makemap reads it): one entry per line, a key, white space, and
 * the value (the rest of the line, trailing white space and CR removed).
 * Blank lines and lines whose first non-blank character is '#' are ignored.
 * makemap has no continuation lines and neither have we: a line that starts
 * with white space is an ordinary entry (the leading blanks are skipped).
 * Keys are folded to lower case unless MAPFILE_KEEP_CASE is given (makemap
 * -f); values are never folded.  An empty value is an error unless
 * MAPFILE_ALLOW_EMPTY is given (makemap -e).  A repeated key is an error (makemap
 * refuses it too).  Lines are limited to MAPFILE_MAX_LINE bytes, a file to
 * MAPFILE_MAX_ENTRIES entries; a NUL byte is an error.  Any error refuses the
 * whole map and is reported as "FILE:LINE: reason".
 *
 * Used by the access map (access.h) and by masquerading's genericstable.
 * A loaded map is read-only: concurrent lookups are safe.
 */
#ifndef MK_MAPFILE_H
#define MK_MAPFILE_H

#include <stddef.h>

#include "core/str.h"

#define MAPFILE_MAX_LINE 4096        /* bytes per line, newline excluded */
#define MAPFILE_MAX_ENTRIES 1000000u /* entries per file */

#define MAPFILE_KEEP_CASE 0x1u   /* do not fold keys to lower case */
#define MAPFILE_ALLOW_EMPTY 0x2u /* accept a key without a value */

typedef struct mapfile_entry {
    const char *key;   /* folded unless MAPFILE_KEEP_CASE */
    const char *value; /* never NULL; "" only with MAPFILE_ALLOW_EMPTY */
    unsigned line;     /* 1-based line number in the file */
} mapfile_entry;

typedef struct mapfile mapfile;

/*
 * Reads the file at path.  Returns 0 and *out (free with mapfile_free), or
 * -1 with a one-line "path:line: reason" (or "path: reason") appended to
 * why; *out is then NULL.
 */
int mapfile_load(const char *path, unsigned flags, mapfile **out, str_t *why);

/* The same from memory: name is used in messages.  text need not be
 * NUL-terminated; a NUL inside it is an error.  Returns as mapfile_load(). */
int mapfile_parse(const char *name, const char *text, size_t len, unsigned flags, mapfile **out,
                  str_t *why);

/* The entry for key (folded like the keys unless MAPFILE_KEEP_CASE), or
 * NULL when there is none.  The entry lives as long as the map. */
const mapfile_entry *mapfile_lookup(const mapfile *m, const char *key);
/* The same for a key of len bytes (need not be NUL-terminated). */
const mapfile_entry *mapfile_lookup_n(const mapfile *m, const char *key, size_t len);

/* Entries in file order, for callers that interpret every line. */
size_t mapfile_count(const mapfile *m);
const mapfile_entry *mapfile_at(const mapfile *m, size_t i); /* i < count */
/* The name given at load time (the path). */
const char *mapfile_name(const mapfile *m);

void mapfile_free(mapfile **m);

#endif
