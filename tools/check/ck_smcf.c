/* ck_smcf.c - a reader of sendmail.cf; see ck_smcf.h. */
#include "config.h"

#include "ck_smcf.h"

#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/str.h"

/* Splits s at sep into trimmed pieces, calling fn on each non-empty one. */
typedef int piece_fn(void *ctx, const char *piece);

static int split(const char *s, size_t n, const char *seps, piece_fn *fn, void *ctx)
{
    size_t i = 0;

    while (i < n) {
        size_t start = i;
        char *p;
        int rc;

        while (i < n && strchr(seps, s[i]) == NULL)
            i++;
        p = str_dup_trimmed(s + start, i - start);
        rc = *p != '\0' ? fn(ctx, p) : 0;
        mem_free(&p);
        if (rc < 0)
            return -1;
        i++;
    }
    return 0;
}

typedef struct parser {
    ck_smcf *cf;
    ck_sm_filter *cur;
    const char **error_r;
} parser;

static int too_many(parser *p)
{
    *p->error_r = "too many filters, daemons or names";
    return -1;
}

/* One "K=V" equate of an X line. */
static int equate(void *ctx, const char *piece)
{
    parser *p = ctx;
    const char *eq = strchr(piece, '=');
    char **slot;

    if (eq == NULL || eq - piece != 1)
        return 0;
    slot = piece[0] == 'S' ? &p->cur->socket : piece[0] == 'F' ? &p->cur->flags : NULL;
    if (slot != NULL) {
        mem_free(slot);
        *slot = str_dup_trimmed(eq + 1, strlen(eq + 1));
    }
    return 0;
}

static int filter_line(parser *p, const char *l, size_t n)
{
    const char *comma = memchr(l, ',', n);
    size_t namelen = comma != NULL ? (size_t)(comma - l) : n;
    ck_smcf *cf = p->cf;

    if (cf->nfilters >= CK_SMCF_MAX_ITEMS)
        return too_many(p);
    cf->filters = mem_realloc_array(cf->filters, cf->nfilters + 1, sizeof *cf->filters);
    p->cur = &cf->filters[cf->nfilters++];
    memset(p->cur, 0, sizeof *p->cur);
    p->cur->name = str_dup_trimmed(l, namelen);
    if (comma == NULL)
        return 0;
    return split(comma + 1, n - namelen - 1, ",", equate, p);
}

static int input_name(void *ctx, const char *piece)
{
    parser *p = ctx;
    ck_smcf *cf = p->cf;

    if (cf->ninput >= CK_SMCF_MAX_ITEMS)
        return too_many(p);
    cf->input = mem_realloc_array(cf->input, cf->ninput + 1, sizeof *cf->input);
    cf->input[cf->ninput++] = mem_strdup(piece);
    return 0;
}

/* "O Name=Value" (the long form; one-letter options are not ours). */
static int option_line(parser *p, const char *l, size_t n)
{
    const char *eq = memchr(l, '=', n);
    char *name, *value;
    ck_smcf *cf = p->cf;
    int rc = 0;

    if (n == 0 || !str_is_space(l[0]) || eq == NULL)
        return 0;
    name = str_dup_trimmed(l, (size_t)(eq - l));
    value = str_dup_trimmed(eq + 1, n - (size_t)(eq + 1 - l));
    if (strcasecmp(name, "InputMailFilters") == 0) {
        for (size_t i = 0; i < cf->ninput; i++)
            mem_free(&cf->input[i]);
        cf->ninput = 0;
        cf->has_input = true;
        rc = split(value, strlen(value), ", \t", input_name, p);
    } else if (strcasecmp(name, "DaemonPortOptions") == 0) {
        if (cf->ndaemons >= CK_SMCF_MAX_ITEMS)
            rc = too_many(p);
        else {
            cf->daemons = mem_realloc_array(cf->daemons, cf->ndaemons + 1, sizeof *cf->daemons);
            cf->daemons[cf->ndaemons++] = value;
            value = NULL;
        }
    } else if (strcasecmp(name, "RunAsUser") == 0) {
        mem_free(&cf->run_as_user);
        cf->run_as_user = value;
        value = NULL;
    }
    mem_free(&name);
    mem_free(&value);
    return rc;
}

static int logical_line(parser *p, const str_t *l)
{
    if (l->len == 0)
        return 0;
    if (l->buf[0] == 'X')
        return filter_line(p, l->buf + 1, l->len - 1);
    if (l->buf[0] == 'O')
        return option_line(p, l->buf + 1, l->len - 1);
    return 0;
}

int ck_smcf_parse(const char *text, size_t len, ck_smcf *out, const char **error_r)
{
    parser p = {.cf = out, .error_r = error_r};
    str_t l;
    size_t i = 0;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (len > CK_SMCF_MAX_LEN) {
        *error_r = "sendmail.cf is too long";
        return -1;
    }
    str_init(&l);
    while (i < len && rc == 0) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
        const char *line = text + i;

        i += n + 1;
        if (memchr(line, '\0', n) != NULL)
            continue; /* sendmail would not read it either */
        if (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
            if (l.len > 0)
                str_append(&l, line, n);
            continue;
        }
        rc = logical_line(&p, &l);
        str_clear(&l);
        if (n > 0 && line[0] != '#')
            str_append(&l, line, n);
    }
    if (rc == 0)
        rc = logical_line(&p, &l);
    str_free(&l);
    if (rc < 0)
        ck_smcf_free(out);
    return rc;
}

void ck_smcf_free(ck_smcf *cf)
{
    for (size_t i = 0; i < cf->nfilters; i++) {
        mem_free(&cf->filters[i].name);
        mem_free(&cf->filters[i].socket);
        mem_free(&cf->filters[i].flags);
    }
    mem_free(&cf->filters);
    for (size_t i = 0; i < cf->ninput; i++)
        mem_free(&cf->input[i]);
    mem_free(&cf->input);
    for (size_t i = 0; i < cf->ndaemons; i++)
        mem_free(&cf->daemons[i]);
    mem_free(&cf->daemons);
    mem_free(&cf->run_as_user);
    memset(cf, 0, sizeof *cf);
}

const ck_sm_filter *ck_smcf_filter(const ck_smcf *cf, const char *name)
{
    for (size_t i = 0; i < cf->nfilters; i++)
        if (strcmp(cf->filters[i].name, name) == 0)
            return &cf->filters[i];
    return NULL;
}

typedef struct opt_find {
    const char *key;
    str_t *out;
    bool found;
} opt_find;

static int opt_piece(void *ctx, const char *piece)
{
    opt_find *f = ctx;
    const char *eq = strchr(piece, '=');
    char *k;

    if (eq == NULL || f->found)
        return 0;
    k = str_dup_trimmed(piece, (size_t)(eq - piece));
    if (strcasecmp(k, f->key) == 0) {
        char *v = str_dup_trimmed(eq + 1, strlen(eq + 1));

        str_append_cstr(f->out, v);
        mem_free(&v);
        f->found = true;
    }
    mem_free(&k);
    return 0;
}

int ck_smcf_daemon_opt(const char *opts, const char *key, str_t *out)
{
    opt_find f = {.key = key, .out = out};

    split(opts, strlen(opts), ",", opt_piece, &f);
    return f.found ? 0 : -1;
}
