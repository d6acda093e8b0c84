/* mapfile.c - makemap-style text maps read into a hash table; see mapfile.h. */
#include "config.h"

#include "mail/mapfile.h"

#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Bytes we read from a file at most: every line at its maximum. */
#define MAPFILE_MAX_FILE (64u * 1024 * 1024)

struct mapfile {
    char *name;
    unsigned flags;
    mapfile_entry *entries;
    size_t count, cap;
    size_t *slots; /* open addressing: entry index + 1, 0 = empty */
    size_t nslots; /* a power of two, > 2 * count */
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static uint64_t hash_key(const char *key, size_t len, bool fold)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)key[i];

        h ^= fold ? (unsigned char)tolower(c) : c;
        h *= 1099511628211ull;
    }
    return h;
}

static bool key_equal(const char *stored, const char *key, size_t len, bool fold)
{
    if (strlen(stored) != len)
        return false;
    return fold ? strncasecmp(stored, key, len) == 0 : memcmp(stored, key, len) == 0;
}

static const mapfile_entry *find(const mapfile *m, const char *key, size_t len)
{
    bool fold = !(m->flags & MAPFILE_KEEP_CASE);
    size_t mask = m->nslots - 1;

    if (m->nslots == 0)
        return NULL;
    for (size_t i = hash_key(key, len, fold) & mask;; i = (i + 1) & mask) {
        size_t slot = m->slots[i];

        if (slot == 0)
            return NULL;
        if (key_equal(m->entries[slot - 1].key, key, len, fold))
            return &m->entries[slot - 1];
    }
}

/* Builds the hash index; a repeated key is an error (makemap refuses it). */
static int build_index(mapfile *m, str_t *why)
{
    bool fold = !(m->flags & MAPFILE_KEEP_CASE);
    size_t n = 16;

    while (n <= 2 * m->count)
        n *= 2;
    m->nslots = n;
    m->slots = mem_array(n, sizeof *m->slots);
    for (size_t e = 0; e < m->count; e++) {
        const mapfile_entry *ent = &m->entries[e];
        size_t len = strlen(ent->key);
        size_t i = hash_key(ent->key, len, fold) & (n - 1);

        for (; m->slots[i] != 0; i = (i + 1) & (n - 1)) {
            const mapfile_entry *old = &m->entries[m->slots[i] - 1];

            if (key_equal(old->key, ent->key, len, fold)) {
                str_printf(why, "%s:%u: duplicate key \"%s\" (first at line %u)", m->name,
                           ent->line, ent->key, old->line);
                return -1;
            }
        }
        m->slots[i] = e + 1;
    }
    return 0;
}

static void add_entry(mapfile *m, char *key, char *value, unsigned line)
{
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->entries = mem_realloc_array(m->entries, m->cap, sizeof *m->entries);
    }
    m->entries[m->count++] = (mapfile_entry){.key = key, .value = value, .line = line};
}

/* One line (without its newline).  0 = ok or ignored, -1 = error. */
static int parse_line(mapfile *m, const char *p, size_t len, unsigned line, str_t *why)
{
    size_t i = 0, k, v;
    char *key;

    while (i < len && is_blank(p[i]))
        i++;
    if (i == len || p[i] == '#')
        return 0;
    k = i;
    while (i < len && !is_blank(p[i]))
        i++;
    key = mem_strndup(p + k, i - k);
    if (!(m->flags & MAPFILE_KEEP_CASE))
        for (char *c = key; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    while (i < len && is_blank(p[i]))
        i++;
    v = i;
    while (len > v && is_blank(p[len - 1]))
        len--;
    if (v == len && !(m->flags & MAPFILE_ALLOW_EMPTY)) {
        str_printf(why, "%s:%u: key \"%s\" has no value", m->name, line, key);
        mem_free(&key);
        return -1;
    }
    if (m->count >= MAPFILE_MAX_ENTRIES) {
        str_printf(why, "%s:%u: more than %u entries", m->name, line, MAPFILE_MAX_ENTRIES);
        mem_free(&key);
        return -1;
    }
    add_entry(m, key, mem_strndup(p + v, len - v), line);
    return 0;
}

static int parse_text(mapfile *m, const char *text, size_t len, str_t *why)
{
    unsigned line = 0;

    if (memchr(text, '\0', len) != NULL) {
        const char *nul = memchr(text, '\0', len);
        unsigned at = 1;

        for (const char *c = text; c < nul; c++)
            at += *c == '\n';
        str_printf(why, "%s:%u: NUL byte in line", m->name, at);
        return -1;
    }
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;

        line++;
        if (end - pos > MAPFILE_MAX_LINE) {
            str_printf(why, "%s:%u: line longer than %u bytes", m->name, line, MAPFILE_MAX_LINE);
            return -1;
        }
        if (parse_line(m, text + pos, end - pos, line, why) < 0)
            return -1;
        pos = end + 1;
    }
    return 0;
}

int mapfile_parse(const char *name, const char *text, size_t len, unsigned flags, mapfile **out,
                  str_t *why)
{
    mapfile *m = mem_zalloc(sizeof *m);

    m->name = mem_strdup(name);
    m->flags = flags;
    *out = NULL;
    if (parse_text(m, text, len, why) < 0 || build_index(m, why) < 0) {
        mapfile_free(&m);
        return -1;
    }
    *out = m;
    return 0;
}

int mapfile_load(const char *path, unsigned flags, mapfile **out, str_t *why)
{
    FILE *f = fopen(path, "r");
    str_t text;
    char buf[8192];
    size_t n;
    int ret;

    *out = NULL;
    if (f == NULL) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    str_init(&text);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (text.len + n > MAPFILE_MAX_FILE) {
            str_printf(why, "%s: larger than %u bytes", path, MAPFILE_MAX_FILE);
            break;
        }
        str_append(&text, buf, n);
    }
    if (ferror(f) && n == 0)
        str_printf(why, "%s: read error: %s", path, strerror(errno));
    ret = (ferror(f) || n > 0) ? -1 : mapfile_parse(path, text.buf, text.len, flags, out, why);
    fclose(f);
    str_free(&text);
    return ret;
}

const mapfile_entry *mapfile_lookup_n(const mapfile *m, const char *key, size_t len)
{
    return find(m, key, len);
}

const mapfile_entry *mapfile_lookup(const mapfile *m, const char *key)
{
    return find(m, key, strlen(key));
}

size_t mapfile_count(const mapfile *m)
{
    return m->count;
}

const mapfile_entry *mapfile_at(const mapfile *m, size_t i)
{
    if (i >= m->count)
        panic("mapfile_at: index %zu out of range", i);
    return &m->entries[i];
}

const char *mapfile_name(const mapfile *m)
{
    return m->name;
}

void mapfile_free(mapfile **mp)
{
    mapfile *m = *mp;

    if (m == NULL)
        return;
    for (size_t i = 0; i < m->count; i++) {
        mem_free(&m->entries[i].key);
        mem_free(&m->entries[i].value);
    }
    mem_free(&m->entries);
    mem_free(&m->slots);
    mem_free(&m->name);
    mem_free(mp);
}
