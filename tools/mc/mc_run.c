/* mc_run.c - milterkit-mc's runs of other programs, on lib/core/spawn; see
 * mc_run.h. */
#include "config.h"

#include "mc_run.h"

#include <unistd.h>

#include "core/fileio.h"
#include "core/spawn.h"

#define DEFAULT_TIMEOUT 120

void mc_run_result_init(mc_run_result *r)
{
    r->status = -1;
    r->truncated = false;
    str_init(&r->out);
    str_init(&r->err);
}

void mc_run_result_free(mc_run_result *r)
{
    str_free(&r->out);
    str_free(&r->err);
}

/* Hands the captured streams over to r (no copy). */
static void take(spawn_result *s, mc_run_result *r)
{
    r->status = spawn_status(s);
    r->truncated = s->out_truncated || s->err_truncated;
    str_free(&r->out);
    str_free(&r->err);
    r->out = s->out;
    r->err = s->err;
    str_init(&s->out);
    str_init(&s->err);
}

int mc_run(const char *const argv[], const mc_run_opts *opts, mc_run_result *r, str_t *why)
{
    spawn_opts so = {.c_locale = true,
                     .pty = opts->pty,
                     .max_output = MC_RUN_MAX_OUTPUT,
                     .timeout_ms =
                         (unsigned)(opts->timeout > 0 ? opts->timeout : DEFAULT_TIMEOUT) * 1000u};
    const char *env[2] = {NULL, NULL};
    str_t libpath, input;
    spawn_result s;
    int rc = -1;

    mc_run_result_free(r);
    mc_run_result_init(r);
    str_init(&libpath), str_init(&input);
    spawn_result_init(&s);
    if (opts->ld_library_path != NULL) {
        str_printf(&libpath, "LD_LIBRARY_PATH=%s", opts->ld_library_path);
        env[0] = libpath.buf;
        so.env_add = env;
    }
    if (opts->stdin_path != NULL) {
        if (fileio_read(opts->stdin_path, MC_RUN_MAX_INPUT, &input, why) < 0)
            goto out;
        so.stdin_data = input.buf;
        so.stdin_len = input.len;
    }
    rc = spawn_run(argv, &so, &s, why);
    take(&s, r);
out:
    spawn_result_free(&s);
    str_free(&libpath), str_free(&input);
    return rc;
}

void mc_run_libdir(const char *root, const char *rel, mc_run_opts *o, str_t *libdir)
{
    if (*root) {
        str_printf(libdir, "%s/%s", root, rel);
        o->ld_library_path = libdir->buf;
    }
}

int mc_run_find(const char *root, const char *const *names, str_t *out)
{
    for (; *names; names++) {
        str_clear(out);
        str_printf(out, "%s%s", root, *names);
        if (access(out->buf, X_OK) == 0)
            return 0;
    }
    return -1;
}
