/* cfghint.c - did-you-mean and syntax error hints for config errors; see
 * cfghint.h. */
#include "config.h"

#include "core/cfghint.h"

#include "core/mem.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define HINT_MAX_NAME 64
#define HINT_FAR ((size_t)1000)
#define HINT_MAX_SHOWN 72

/* ---- nearest name ---- */

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;

    return m < c ? m : c;
}

static bool same(char a, char b)
{
    return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* Optimal string alignment distance; rows of (m + 1) entries. */
size_t cfghint_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b), d;
    size_t *prev2, *prev, *cur;

    if (n > HINT_MAX_NAME || m > HINT_MAX_NAME)
        return HINT_FAR;
    prev2 = mem_array(m + 1, sizeof *prev2);
    prev = mem_array(m + 1, sizeof *prev);
    cur = mem_array(m + 1, sizeof *cur);
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = same(a[i - 1], b[j - 1]) ? 0 : 1;

            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]) &&
                prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        {
            size_t *t = prev2;

            prev2 = prev;
            prev = cur;
            cur = t;
        }
    }
    d = prev[m];
    mem_free(&prev2);
    mem_free(&prev);
    mem_free(&cur);
    return d;
}

void cfghint_nearest_init(cfghint_nearest *n, const char *word)
{
    n->word = word;
    n->best = NULL;
    n->dist = HINT_FAR;
}

static size_t allowed(const char *name)
{
    size_t len = strlen(name);

    return len <= 3 ? 1 : len <= 8 ? 2 : 3;
}

void cfghint_nearest_offer(cfghint_nearest *n, const char *name)
{
    size_t d;

    if (n->word == NULL || name == NULL)
        return;
    d = cfghint_distance(n->word, name);
    if (strcmp(n->word, name) != 0 && d <= allowed(name) && d < n->dist) {
        n->best = name;
        n->dist = d;
    }
}

void cfghint_nearest_append(const cfghint_nearest *n, str_t *out)
{
    if (n->best != NULL)
        str_printf(out, "; did you mean \"%s\"?", n->best);
}

/* ---- syntax errors ---- */

/* A line of the file, for quoting: printable, without surrounding space,
 * shortened. */
static void append_shown(str_t *out, const char *p, size_t n)
{
    while (n > 0 && isspace((unsigned char)*p)) {
        p++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)p[n - 1]))
        n--;
    for (size_t i = 0; i < n && i < HINT_MAX_SHOWN; i++)
        str_append_char(out, isprint((unsigned char)p[i]) ? p[i] : '?');
    if (n > HINT_MAX_SHOWN)
        str_append_cstr(out, "...");
}

/* The text of line number line (from 1) of buf. */
static bool line_of(const str_t *buf, int line, const char **start, size_t *len)
{
    const char *p = buf->buf, *end = buf->buf + buf->len;

    for (int l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));

        if (nl == NULL)
            return false;
        p = nl + 1;
    }
    if (p >= end)
        return false;
    *start = p;
    {
        const char *nl = memchr(p, '\n', (size_t)(end - p));

        *len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    }
    return true;
}

static bool read_all(const char *file, str_t *buf)
{
    FILE *f = fopen(file, "r");
    char chunk[4096];
    size_t n;

    if (f == NULL)
        return false;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && buf->len < 16 * 1024 * 1024)
        str_append(buf, chunk, n);
    fclose(f);
    return true;
}

typedef struct opener {
    char c;
    int line;
} opener;

typedef struct scan {
    const char *file;
    str_t *out;
    opener *stack;
    size_t depth, cap;
} scan;

static char closer_of(char c)
{
    return c == '{' ? '}' : c == '[' ? ']' : ')';
}

static void push(scan *s, char c, int line)
{
    if (s->depth == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->stack = mem_realloc_array(s->stack, s->cap, sizeof *s->stack);
    }
    s->stack[s->depth].c = c;
    s->stack[s->depth].line = line;
    s->depth++;
}

/* A closing bracket: returns 1 after appending a hint when it does not
 * match, else 0. */
static int pop(scan *s, char c, int line)
{
    opener o;

    if (s->depth == 0) {
        str_printf(s->out, "%s:%d: unexpected '%c': nothing is open here\n", s->file, line, c);
        return 1;
    }
    o = s->stack[--s->depth];
    if (closer_of(o.c) == c)
        return 0;
    str_printf(s->out, "%s:%d: '%c' opened here is closed by '%c' on line %d\n", s->file,
               o.line, o.c, c, line);
    return 1;
}

/* Skips a comment at *p, counting lines; returns true when there was one. */
static bool skip_comment(const char **p, const char *end, int *line)
{
    const char *q = *p;

    if (*q == '#' || (q + 1 < end && q[0] == '/' && q[1] == '/')) {
        while (q < end && *q != '\n')
            q++;
    } else if (q + 1 < end && q[0] == '/' && q[1] == '*') {
        for (q += 2; q < end && !(q + 1 < end && q[0] == '*' && q[1] == '/'); q++)
            *line += *q == '\n';
        q = q < end ? q + 2 : end;
    } else {
        return false;
    }
    *p = q;
    return true;
}

/* Skips a string at *p (on its opening quote); returns 1 after appending a
 * hint when it runs past its line. */
static int skip_string(scan *s, const char **p, const char *end, int *line)
{
    const char *q = *p + 1;

    for (; q < end && *q != '"'; q++) {
        if (*q == '\\' && q + 1 < end && q[1] != '\n') {
            q++;
        } else if (*q == '\n') {
            str_printf(s->out, "%s:%d: a string opened here runs past the end of its line\n",
                       s->file, *line);
            return 1;
        }
    }
    *p = q < end ? q + 1 : end;
    return 0;
}

/* Finds the first unbalanced bracket or unclosed string; returns the
 * number of hint lines appended (0 or 1). */
static int scan_brackets(const char *file, const str_t *buf, str_t *out)
{
    scan s = {.file = file, .out = out};
    const char *p = buf->buf, *end = buf->buf + buf->len;
    int line = 1, found = 0;

    while (p < end && !found) {
        if (skip_comment(&p, end, &line))
            continue;
        if (*p == '"') {
            found = skip_string(&s, &p, end, &line);
            continue;
        }
        if (*p == '{' || *p == '[' || *p == '(')
            push(&s, *p, line);
        else if (*p == '}' || *p == ']' || *p == ')')
            found = pop(&s, *p, line);
        else if (*p == '\n')
            line++;
        p++;
    }
    if (!found && s.depth > 0) {
        str_printf(out, "%s:%d: '%c' opened here is never closed\n", file,
                   s.stack[s.depth - 1].line, s.stack[s.depth - 1].c);
        found = 1;
    }
    mem_free(&s.stack);
    return found;
}

int cfghint_syntax(const char *file, int line, const char *text, str_t *out)
{
    str_t buf;
    const char *at;
    size_t len;
    int n = 1;

    str_init(&buf);
    str_printf(out, "%s:%d: %s", file, line, text && *text ? text : "syntax error");
    if (read_all(file, &buf) && line_of(&buf, line, &at, &len)) {
        str_append_cstr(out, " at: ");
        append_shown(out, at, len);
    }
    str_append_cstr(out, "\n");
    if (buf.len > 0)
        n += scan_brackets(file, &buf, out);
    str_free(&buf);
    return n;
}
