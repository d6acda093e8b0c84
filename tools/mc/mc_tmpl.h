/*
 * mc_tmpl.h - the text templates milterkit-mc fills (sendmail.mc.tmpl,
 * main.cf.tmpl, master.cf.tmpl): @NAME@ placeholders replaced by values.
 * A line holding only a placeholder whose value is empty disappears; a
 * multi-line value replaces such a line whole.  An unknown placeholder is an
 * error (a template and its program out of step).
 *
 * Templates are found in, first match: the directory given (--templates),
 * $MILTERKIT_MC_TEMPLATES, $(pkgdatadir) where `make install` puts them,
 * and the source tree (tools/mc) for an uninstalled build.
 */
#ifndef MK_MC_TMPL_H
#define MK_MC_TMPL_H

#include <stddef.h>

#include "core/str.h"

typedef struct mc_tmpl_var {
    const char *name;  /* without the @ */
    const char *value; /* NULL counts as "" */
} mc_tmpl_var;

/* Expands text into out (appended).  Returns 0, or -1 with *error_r naming
 * the problem (static text) and the placeholder appended to out. */
int mc_tmpl_expand(const char *text, const mc_tmpl_var *vars, size_t nvars, str_t *out,
                   const char **error_r);

/* Reads template NAME (e.g. "sendmail.mc.tmpl") from the first directory
 * above that has it, given may be NULL.  Returns 0, or -1 with a message in
 * why.  At most 1 MiB. */
int mc_tmpl_load(const char *given_dir, const char *name, str_t *out, str_t *why);

#endif
