/*
 * cfghint.h - hints that make config errors say what to do: the known name
 * nearest to a mistyped one ("did you mean"), and what a libconfig syntax
 * error is about and where it began.  Used by cfg.c.
 *
 * Pure functions over their arguments (cfghint_syntax reads the file);
 * thread-safe.
 */
#ifndef MK_CFGHINT_H
#define MK_CFGHINT_H

#include <stddef.h>

#include "core/str.h"

/* The nearest known name seen so far. */
typedef struct cfghint_nearest {
    const char *word; /* the unknown name */
    const char *best; /* NULL until a close enough candidate is offered */
    size_t dist;
} cfghint_nearest;

/* Starts a search for the name nearest to word (not copied: keep it). */
void cfghint_nearest_init(cfghint_nearest *n, const char *word);

/* Offers a known name.  It is kept when its edit distance to the word
 * (insertions, deletions, substitutions and swaps of neighbours, ASCII case
 * ignored) is the smallest so far and small for its length: 1 for names of
 * up to 3 characters, 2 up to 8, 3 beyond. */
void cfghint_nearest_offer(cfghint_nearest *n, const char *name);

/* Appends '; did you mean "NAME"?' to out when a candidate was kept. */
void cfghint_nearest_append(const cfghint_nearest *n, str_t *out);

/* Edit distance of a and b as described above (for tests); both strings
 * longer than 64 bytes give a large number. */
size_t cfghint_distance(const char *a, const char *b);

/*
 * Appends the error lines of a syntax error that libconfig reported in
 * file at line with its text (usually "syntax error"):
 *   "FILE:LINE: syntax error at: TEXT OF THAT LINE"
 * and, when a scan of the file finds one, where the mistake began:
 *   "FILE:L: '[' opened here is closed by '}' on line M"
 *   "FILE:L: '{' opened here is never closed"
 *   "FILE:L: a string opened here runs past the end of its line"
 *   "FILE:L: unexpected '}': nothing is open here".
 * Returns the number of lines appended.
 */
int cfghint_syntax(const char *file, int line, const char *text, str_t *out);

#endif
