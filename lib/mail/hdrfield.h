/*
 * hdrfield.h - the header fields a milter keeps of a message, in the
 * order the MTA sent them (xxfi_header), and the index smfi_chgheader
 * gives each: its place among the fields of the same name, from 1.
 * milterkit-masq keeps the fields it may rewrite, milterkit-dkim those it
 * signs or verifies.
 */
#ifndef MK_HDRFIELD_H
#define MK_HDRFIELD_H

#include <stddef.h>

/* One header field as received. */
typedef struct hdrfield {
    char *name;
    char *value; /* as the MTA gave it (leading space, folds "\n") */
} hdrfield;

/* Appends a field named name (copied) with value (taken: a mem_alloc'd
 * string that the list frees) to the *n fields of *v.  Returns the new
 * field. */
hdrfield *hdrfields_add(hdrfield **v, size_t *n, const char *name, char *value);

/* Frees the n fields of *v and the array; *v = NULL, *n = 0. */
void hdrfields_free(hdrfield **v, size_t *n);

/* The index smfi_chgheader knows field i of v by.  Returns 1 + the number
 * of fields before it with the same name (case-insensitive). */
int hdrfields_index(const hdrfield *v, size_t i);

#endif
