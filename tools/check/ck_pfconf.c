/* ck_pfconf.c - readers of postconf output; see ck_pfconf.h. */
#include "config.h"

#include "ck_pfconf.h"

#include <stdbool.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"

static void add_kv(ck_kvlist *l, const char *line, size_t n)
{
    const char *eq = memchr(line, '=', n);

    if (eq == NULL || eq == line)
        return;
    if (l->count == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->items = mem_realloc_array(l->items, l->cap, sizeof *l->items);
    }
    l->items[l->count].name = str_dup_trimmed(line, (size_t)(eq - line));
    l->items[l->count].value = str_dup_trimmed(eq + 1, n - (size_t)(eq + 1 - line));
    if (l->items[l->count].name[0] == '\0') {
        mem_free(&l->items[l->count].name);
        mem_free(&l->items[l->count].value);
        return;
    }
    l->count++;
}

int ck_pf_parse_params(const char *text, size_t len, ck_kvlist *out, const char **error_r)
{
    str_t logical;
    size_t i = 0;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (memchr(text, '\0', len) != NULL) {
        *error_r = "NUL byte in the output";
        return -1;
    }
    str_init(&logical);
    while (i < len && rc == 0) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
        bool cont = n > 0 && (text[i] == ' ' || text[i] == '\t');

        if (!cont && logical.len > 0) {
            add_kv(out, logical.buf, logical.len);
            str_clear(&logical);
        }
        if (cont)
            str_append_char(&logical, ' ');
        str_append(&logical, text + i, n);
        if (logical.len > CK_PF_MAX_VALUE) {
            *error_r = "a setting longer than the limit";
            rc = -1;
        } else if (out->count >= CK_PF_MAX_LINES) {
            *error_r = "too many settings";
            rc = -1;
        }
        i += n + 1;
    }
    if (rc == 0 && logical.len > 0)
        add_kv(out, logical.buf, logical.len);
    str_free(&logical);
    if (rc < 0)
        ck_kvlist_free(out);
    return rc;
}

const char *ck_kvlist_get(const ck_kvlist *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return l->items[i].value;
    return NULL;
}

void ck_kvlist_free(ck_kvlist *l)
{
    for (size_t i = 0; i < l->count; i++) {
        mem_free(&l->items[i].name);
        mem_free(&l->items[i].value);
    }
    mem_free(&l->items);
    l->count = l->cap = 0;
}

/* ---- milter lists ---- */

static int add_milter(ck_pf_milters *m, char *socket, char *action, const char **error_r)
{
    if (m->count >= CK_PF_MAX_MILTERS) {
        *error_r = "too many milters";
        mem_free(&socket);
        mem_free(&action);
        return -1;
    }
    m->items = mem_realloc_array(m->items, m->count + 1, sizeof *m->items);
    m->items[m->count].socket = socket;
    m->items[m->count].default_action = action;
    m->count++;
    return 0;
}

/* The next piece of s[*i..n) up to a separator in seps; NULL at the end. */
static char *next_piece(const char *s, size_t n, size_t *i, const char *seps)
{
    size_t start;

    while (*i < n && strchr(seps, s[*i]) != NULL)
        (*i)++;
    if (*i >= n)
        return NULL;
    start = *i;
    while (*i < n && strchr(seps, s[*i]) == NULL)
        (*i)++;
    return mem_strndup(s + start, *i - start);
}

/* "{ socket, name = value, ... }" (the braces already removed). */
static int read_group(const char *g, size_t n, ck_pf_milters *m, const char **error_r)
{
    size_t i = 0;
    char *socket = next_piece(g, n, &i, ", \t\r\n");
    char *action = NULL;

    if (socket == NULL) {
        *error_r = "empty { } group";
        return -1;
    }
    /* The rest: name = value pairs, separated by commas. */
    for (char *piece; (piece = next_piece(g, n, &i, ",")) != NULL; mem_free(&piece)) {
        char *eq = strchr(piece, '=');
        char *name;

        if (eq == NULL)
            continue;
        name = str_dup_trimmed(piece, (size_t)(eq - piece));
        if (strcmp(name, "default_action") == 0) {
            mem_free(&action);
            action = str_dup_trimmed(eq + 1, strlen(eq + 1));
        }
        mem_free(&name);
    }
    return add_milter(m, socket, action, error_r);
}

int ck_pf_parse_milters(const char *value, ck_pf_milters *out, const char **error_r)
{
    size_t n = strlen(value), i = 0;
    int rc = 0;

    memset(out, 0, sizeof *out);
    while (rc == 0 && i < n) {
        if (str_is_space(value[i]) || value[i] == ',') {
            i++;
        } else if (value[i] == '{') {
            const char *close = memchr(value + i + 1, '}', n - i - 1);
            const char *open = memchr(value + i + 1, '{', n - i - 1);

            if (close == NULL || (open != NULL && open < close)) {
                *error_r = close == NULL ? "unclosed {" : "nested {";
                rc = -1;
                break;
            }
            rc = read_group(value + i + 1, (size_t)(close - value - i - 1), out, error_r);
            i = (size_t)(close - value) + 1;
        } else if (value[i] == '}') {
            *error_r = "} without {";
            rc = -1;
        } else {
            char *s = next_piece(value, n, &i, ", \t\r\n{}");

            rc = add_milter(out, s, NULL, error_r);
        }
    }
    if (rc < 0)
        ck_pf_milters_free(out);
    return rc;
}

void ck_pf_milters_free(ck_pf_milters *m)
{
    for (size_t i = 0; i < m->count; i++) {
        mem_free(&m->items[i].socket);
        mem_free(&m->items[i].default_action);
    }
    mem_free(&m->items);
    m->count = 0;
}
