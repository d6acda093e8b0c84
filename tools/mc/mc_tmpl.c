/* mc_tmpl.c - @NAME@ templates; see mc_tmpl.h. */
#include "config.h"

#include "mc_tmpl.h"

#include "core/fileio.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MC_TMPL_MAX (1024 * 1024)

static const mc_tmpl_var *find_var(const mc_tmpl_var *vars, size_t n, const char *name,
                                   size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
            return &vars[i];
    return NULL;
}

/* Length of a placeholder name at p (after '@', up to the closing '@'), or 0. */
static size_t placeholder(const char *p)
{
    size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");

    return n > 0 && p[n] == '@' ? n : 0;
}

static int expand_line(const char *line, size_t len, const mc_tmpl_var *vars, size_t nvars,
                       str_t *out, const char **error_r)
{
    size_t n = len > 2 && line[0] == '@' ? placeholder(line + 1) : 0;

    if (n > 0 && n + 2 == len) { /* a line of its own */
        const mc_tmpl_var *v = find_var(vars, nvars, line + 1, n);

        if (v == NULL)
            goto unknown;
        if (v->value && *v->value) {
            str_append_cstr(out, v->value);
            if (v->value[strlen(v->value) - 1] != '\n')
                str_append_char(out, '\n');
        }
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        const mc_tmpl_var *v;

        n = line[i] == '@' ? placeholder(line + i + 1) : 0;
        if (n == 0 || i + n + 2 > len) {
            str_append_char(out, line[i]);
            continue;
        }
        v = find_var(vars, nvars, line + i + 1, n);
        if (v == NULL) {
            line += i;
            goto unknown;
        }
        str_append_cstr(out, v->value ? v->value : "");
        i += n + 1;
    }
    str_append_char(out, '\n');
    return 0;
unknown:
    *error_r = "unknown placeholder in template";
    str_append(out, line, n + 2);
    return -1;
}

int mc_tmpl_expand(const char *text, const mc_tmpl_var *vars, size_t nvars, str_t *out,
                   const char **error_r)
{
    const char *p = text;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);

        if (expand_line(p, len, vars, nvars, out, error_r) < 0)
            return -1;
        p += len + (nl ? 1 : 0);
    }
    return 0;
}

static bool try_dir(const char *dir, const char *name, str_t *out, str_t *why)
{
    str_t path;
    int rc;

    if (dir == NULL || *dir == '\0')
        return false;
    str_init(&path);
    str_printf(&path, "%s/%s", dir, name);
    rc = fileio_read(path.buf, MC_TMPL_MAX, out, why);
    str_free(&path);
    return rc == 0;
}

int mc_tmpl_load(const char *given_dir, const char *name, str_t *out, str_t *why)
{
    const char *dirs[] = {given_dir, getenv("MILTERKIT_MC_TEMPLATES"), PKGDATADIR,
#ifdef MC_SRCDIR
                          MC_SRCDIR,
#endif
    };

    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        str_clear(why);
        str_clear(out);
        if (try_dir(dirs[i], name, out, why))
            return 0;
        if (given_dir != NULL && i == 0)
            return -1; /* what the user asked for, or nothing */
    }
    str_clear(why);
    str_printf(why, "template %s not found (in %s, or give --templates DIR)", name, PKGDATADIR);
    return -1;
}
