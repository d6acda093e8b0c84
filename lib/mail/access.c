/* access.c - sendmail's access map: parsing and lookups; see access.h. */
#include "config.h"

#include "mail/access.h"

#include "core/log.h"

#include "mail/mapfile.h"
#include "core/mem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest reply text we accept in a value. */
#define ACCESS_MAX_TEXT 400

typedef enum tag { TAG_NONE, TAG_CONNECT, TAG_FROM, TAG_TO, TAG_OTHER } tag;

static const char *const tag_prefix[] = {"", "connect:", "from:", "to:", ""};

/* sendmail's other access-map tags: accepted, not used by our lookups. */
static const char *const ignored_tags[] = {
    "spam",     "greetpause", "clientrate", "clientconn",  "srv_features",     "clt_features",
    "tls_clt",  "tls_srv",    "tls_rcpt",   "try_tls",     "tls_clt_features", "tls_srv_features",
    "authinfo", "qgrp",       "certissuer", "certsubject", "mailer",
};

typedef struct value {
    access_action action;
    bool skip;
    char *code, *dsn, *text;
} value;

typedef struct name_entry {
    char *key; /* normalised, tag prefix included */
    const mapfile_entry *src;
    const value *val;
} name_entry;

typedef struct access_addr {
    cidr net;
    tag tag; /* TAG_CONNECT or TAG_NONE */
    const mapfile_entry *src;
    const value *val;
} access_addr;

struct access_map {
    mapfile *file;
    value *values; /* parallel to the file's entries */
    name_entry *names;
    size_t nnames;
    access_addr *addrs; /* most specific first, tagged before untagged */
    size_t naddrs;
    size_t ignored;
};

/* ---- values ---- */

static bool text_ok(const char *t)
{
    if (strlen(t) > ACCESS_MAX_TEXT)
        return false;
    for (; *t; t++)
        if ((unsigned char)*t < 0x20 || (unsigned char)*t > 0x7e)
            return false;
    return true;
}

/* "d.s.n:" with class 4 or 5 and 1-3 digit parts; returns its length or 0. */
static size_t dsn_prefix(const char *p)
{
    size_t i = 1;

    if (p[0] != '4' && p[0] != '5')
        return 0;
    for (int part = 0; part < 2; part++) {
        size_t n = 0;

        if (p[i++] != '.')
            return 0;
        while (isdigit((unsigned char)p[i]) && n < 4)
            i++, n++;
        if (n == 0 || n > 3)
            return 0;
    }
    return p[i] == ':' ? i + 1 : 0;
}

/* "### text" or "\"### text\"" (after ERROR: and an optional D.S.N:). */
static int parse_reply(const char *p, const char *dsn, size_t dsnlen, value *v,
                       const char **error_r)
{
    size_t len = strlen(p);

    if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
        p++;
        len -= 2;
    }
    if (len < 3 || (p[0] != '4' && p[0] != '5') || !isdigit((unsigned char)p[1]) ||
        !isdigit((unsigned char)p[2]) || (len > 3 && p[3] != ' ' && p[3] != '\t')) {
        *error_r = "reply code must be 4xx or 5xx";
        return -1;
    }
    if (dsn != NULL && dsn[0] != p[0]) {
        *error_r = "D.S.N class differs from the reply code's class";
        return -1;
    }
    v->action = ACCESS_ERROR;
    v->code = mem_strndup(p, 3);
    v->dsn = dsn ? mem_strndup(dsn, dsnlen) : mem_strdup(p[0] == '4' ? "4.0.0" : "5.0.0");
    p += 3;
    len -= 3;
    while (len > 0 && (*p == ' ' || *p == '\t'))
        p++, len--;
    v->text = mem_strndup(p, len);
    if (!text_ok(v->text)) {
        *error_r = "reply text too long or not printable ASCII";
        return -1;
    }
    return 0;
}

static void value_set(value *v, access_action a, const char *code, const char *dsn,
                      const char *text)
{
    v->action = a;
    v->code = code ? mem_strdup(code) : NULL;
    v->dsn = dsn ? mem_strdup(dsn) : NULL;
    v->text = mem_strdup(text);
}

static int parse_value(const char *s, value *v, const char **error_r)
{
    static const struct {
        const char *word;
        access_action action;
        const char *code, *dsn, *text;
    } words[] = {
        {"OK", ACCESS_OK, NULL, NULL, ""},
        {"RELAY", ACCESS_RELAY, NULL, NULL, ""},
        {"REJECT", ACCESS_REJECT, "550", "5.7.1", "Access denied"},
        {"DISCARD", ACCESS_DISCARD, NULL, NULL, ""},
        {"SKIP", ACCESS_NONE, NULL, NULL, ""},
        {"TEMPFAIL", ACCESS_TEMPFAIL, "451", "4.7.1", "Temporary failure, try again later"},
    };

    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strcasecmp(s, words[i].word) == 0) {
            value_set(v, words[i].action, words[i].code, words[i].dsn, words[i].text);
            v->skip = strcmp(words[i].word, "SKIP") == 0;
            return 0;
        }
    }
    if (strncasecmp(s, "ERROR:", 6) == 0) {
        size_t d = dsn_prefix(s + 6);

        return parse_reply(s + 6 + d, d ? s + 6 : NULL, d ? d - 1 : 0, v, error_r);
    }
    if (strncasecmp(s, "QUARANTINE:", 11) == 0) {
        value_set(v, ACCESS_QUARANTINE, NULL, NULL, s + 11);
        if (v->text[0] == '\0' || !text_ok(v->text)) {
            *error_r = "QUARANTINE: needs a printable reason";
            return -1;
        }
        return 0;
    }
    if (isdigit((unsigned char)s[0]) || s[0] == '"')
        return parse_reply(s, NULL, 0, v, error_r);
    *error_r =
        "unknown value (OK, RELAY, REJECT, DISCARD, SKIP, TEMPFAIL, ERROR:..., QUARANTINE:...)";
    return -1;
}

static void value_free(value *v)
{
    mem_free(&v->code);
    mem_free(&v->dsn);
    mem_free(&v->text);
}

/* ---- keys ---- */

static bool is_ident(const char *p, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '_')
            return false;
    return true;
}

/* Splits "tag:rest"; -1 for an unknown tag.  Keys are already lower case. */
static int split_tag(const char *key, tag *t, const char **rest)
{
    const char *colon = strchr(key, ':');
    size_t n = colon ? (size_t)(colon - key) : 0;

    *t = TAG_NONE;
    *rest = key;
    if (colon == NULL || !is_ident(key, n) || (n == 4 && strncmp(key, "ipv6", 4) == 0))
        return 0;
    *rest = colon + 1;
    for (tag i = TAG_CONNECT; i <= TAG_TO; i++) {
        if (strlen(tag_prefix[i]) == n + 1 && strncmp(key, tag_prefix[i], n) == 0) {
            *t = i;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof ignored_tags / sizeof ignored_tags[0]; i++) {
        if (strlen(ignored_tags[i]) == n && strncmp(key, ignored_tags[i], n) == 0) {
            *t = TAG_OTHER;
            return 0;
        }
    }
    return -1;
}

/* IPv4 by octets: "a", "a.b", "a.b.c", "a.b.c.d". */
static int ipv4_octets(const char *s, uint8_t o[4], unsigned *n)
{
    *n = 0;
    for (;;) {
        unsigned v = 0, digits = 0;

        while (isdigit((unsigned char)*s) && digits < 4)
            v = v * 10 + (unsigned)(*s++ - '0'), digits++;
        if (digits == 0 || digits > 3 || v > 255 || *n == 4)
            return -1;
        o[(*n)++] = (uint8_t)v;
        if (*s == '\0')
            return 0;
        if (*s++ != '.')
            return -1;
    }
}

/* IPv6 after "ipv6:": 1-8 groups without "::", or a full address with "::"
 * (or an embedded IPv4 part).  Returns the groups and how many. */
static int ipv6_groups(const char *s, uint16_t g[8], unsigned *n)
{
    struct in6_addr in6;

    memset(g, 0, 8 * sizeof *g);
    if (strstr(s, "::") != NULL || strchr(s, '.') != NULL) {
        if (strlen(s) >= INET6_ADDRSTRLEN || inet_pton(AF_INET6, s, &in6) != 1)
            return -1;
        for (int i = 0; i < 8; i++)
            g[i] = (uint16_t)(in6.s6_addr[2 * i] << 8 | in6.s6_addr[2 * i + 1]);
        *n = 8;
        return 0;
    }
    *n = 0;
    for (;;) {
        unsigned v = 0, digits = 0;

        while (isxdigit((unsigned char)*s) && digits < 5) {
            int c = tolower((unsigned char)*s++);

            v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : c - 'a' + 10);
            digits++;
        }
        if (digits == 0 || digits > 4 || *n == 8)
            return -1;
        g[(*n)++] = (uint16_t)v;
        if (*s == '\0')
            return 0;
        if (*s++ != ':')
            return -1;
    }
}

static void format_groups(str_t *out, const uint16_t *g, unsigned n)
{
    str_append_cstr(out, "ipv6");
    for (unsigned i = 0; i < n; i++)
        str_printf(out, ":%x", g[i]);
}

/* Address keys of Connect: and untagged entries.  1 = it is one (net
 * filled), 0 = not an address key, -1 = malformed address. */
static int parse_addr_key(const char *rest, cidr *net, const char **error_r)
{
    uint8_t o[4];
    uint16_t g[8];
    unsigned n;

    memset(net, 0, sizeof *net);
    if (strchr(rest, '/') != NULL &&
        (isdigit((unsigned char)rest[0]) || strncmp(rest, "ipv6:", 5) == 0)) {
        const char *text = strncmp(rest, "ipv6:", 5) == 0 ? rest + 5 : rest;

        if (cidr_parse(text, net, error_r) < 0)
            return -1;
        return 1;
    }
    if (strncmp(rest, "ipv6:", 5) == 0) {
        if (ipv6_groups(rest + 5, g, &n) < 0) {
            *error_r = "malformed IPv6: key";
            return -1;
        }
        for (unsigned i = 0; i < n; i++) {
            net->addr.b[2 * i] = (uint8_t)(g[i] >> 8);
            net->addr.b[2 * i + 1] = (uint8_t)g[i];
        }
        net->bits = 16 * n;
        return 1;
    }
    if (!isdigit((unsigned char)rest[0]) || strspn(rest, "0123456789.") != strlen(rest))
        return 0;
    if (ipv4_octets(rest, o, &n) < 0) {
        *error_r = "malformed IPv4 key (1 to 4 octets of 0-255)";
        return -1;
    }
    net->addr.b[10] = net->addr.b[11] = 0xff;
    memcpy(net->addr.b + 12, o, n);
    net->bits = 96 + 8 * n;
    return 1;
}

/* The string form of a non-address key: "[ipv6:...]" normalised. */
static int normalise_key(tag t, const char *rest, str_t *out, const char **error_r)
{
    size_t len = strlen(rest);
    uint16_t g[8];
    unsigned n;

    str_clear(out);
    str_append_cstr(out, tag_prefix[t]);
    if (len > 7 && rest[0] == '[' && rest[len - 1] == ']' && strncmp(rest + 1, "ipv6:", 5) == 0) {
        char *inner = mem_strndup(rest + 6, len - 7);
        int r = ipv6_groups(inner, g, &n);

        mem_free(&inner);
        if (r < 0) {
            *error_r = "malformed [IPv6:...] key";
            return -1;
        }
        str_append_char(out, '[');
        format_groups(out, g, n);
        str_append_char(out, ']');
        return 0;
    }
    if (t == TAG_CONNECT && strchr(rest, '@') != NULL) {
        *error_r = "Connect: key with an address (user@domain)";
        return -1;
    }
    str_append_cstr(out, rest);
    return 0;
}

/* ---- loading ---- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(((const name_entry *)a)->key, ((const name_entry *)b)->key);
}

static int cmp_addrs(const void *pa, const void *pb)
{
    const access_addr *a = pa, *b = pb;

    if (a->net.bits != b->net.bits)
        return a->net.bits > b->net.bits ? -1 : 1;
    if (a->tag != b->tag)
        return a->tag == TAG_CONNECT ? -1 : 1;
    return memcmp(a->net.addr.b, b->net.addr.b, 16);
}

static int fail(access_map *m, const mapfile_entry *e, const char *msg, str_t *why)
{
    log_safe_buf k, v;

    str_printf(why, "%s:%u: %s: key \"%s\" value \"%s\"", mapfile_name(m->file), e->line, msg,
               log_safe_cstr(&k, e->key), log_safe_cstr(&v, e->value));
    return -1;
}

static int add_entry(access_map *m, size_t i, str_t *key, str_t *why)
{
    const mapfile_entry *e = mapfile_at(m->file, i);
    const char *rest, *error = NULL;
    value *v = &m->values[i];
    tag t;
    cidr net;
    int kind = 0;

    if (split_tag(e->key, &t, &rest) < 0)
        return fail(m, e, "unknown tag", why);
    if (t == TAG_OTHER) {
        m->ignored++;
        return 0;
    }
    if (*rest == '\0')
        return fail(m, e, "empty key after the tag", why);
    if (parse_value(e->value, v, &error) < 0)
        return fail(m, e, error, why);
    if (t == TAG_CONNECT || t == TAG_NONE)
        kind = parse_addr_key(rest, &net, &error);
    if (kind < 0)
        return fail(m, e, error, why);
    if (kind > 0) {
        m->addrs[m->naddrs++] = (access_addr){.net = net, .tag = t, .src = e, .val = v};
        return 0;
    }
    if (normalise_key(t, rest, key, &error) < 0)
        return fail(m, e, error, why);
    m->names[m->nnames++] = (name_entry){.key = str_steal(key), .src = e, .val = v};
    return 0;
}

static int check_duplicates(access_map *m, str_t *why)
{
    for (size_t i = 1; i < m->nnames; i++) {
        if (strcmp(m->names[i - 1].key, m->names[i].key) == 0) {
            const mapfile_entry *a = m->names[i - 1].src, *b = m->names[i].src;

            return fail(m, a->line > b->line ? a : b, "same key as another line", why);
        }
    }
    for (size_t i = 1; i < m->naddrs; i++) {
        if (cmp_addrs(&m->addrs[i - 1], &m->addrs[i]) == 0) {
            const mapfile_entry *a = m->addrs[i - 1].src, *b = m->addrs[i].src;

            return fail(m, a->line > b->line ? a : b, "same network as another line", why);
        }
    }
    return 0;
}

static int build(access_map *m, str_t *why)
{
    size_t n = mapfile_count(m->file);
    str_t key;
    int ret = 0;

    m->values = mem_array(n ? n : 1, sizeof *m->values);
    m->names = mem_array(n ? n : 1, sizeof *m->names);
    m->addrs = mem_array(n ? n : 1, sizeof *m->addrs);
    str_init(&key);
    for (size_t i = 0; i < n && ret == 0; i++)
        ret = add_entry(m, i, &key, why);
    str_free(&key);
    if (ret < 0)
        return -1;
    qsort(m->names, m->nnames, sizeof *m->names, cmp_names);
    qsort(m->addrs, m->naddrs, sizeof *m->addrs, cmp_addrs);
    return check_duplicates(m, why);
}

static int finish(access_map *m, access_map **out, str_t *why)
{
    if (build(m, why) < 0) {
        access_free(&m);
        return -1;
    }
    *out = m;
    return 0;
}

int access_parse(const char *name, const char *text, size_t len, access_map **out, str_t *why)
{
    access_map *m = mem_zalloc(sizeof *m);

    *out = NULL;
    if (mapfile_parse(name, text, len, 0, &m->file, why) < 0) {
        mem_free(&m);
        return -1;
    }
    return finish(m, out, why);
}

int access_load(const char *path, access_map **out, str_t *why)
{
    access_map *m = mem_zalloc(sizeof *m);

    *out = NULL;
    if (mapfile_load(path, 0, &m->file, why) < 0) {
        mem_free(&m);
        return -1;
    }
    return finish(m, out, why);
}

void access_free(access_map **mp)
{
    access_map *m = *mp;

    if (m == NULL)
        return;
    if (m->values != NULL)
        for (size_t i = 0; i < mapfile_count(m->file); i++)
            value_free(&m->values[i]);
    for (size_t i = 0; i < m->nnames; i++)
        mem_free(&m->names[i].key);
    mem_free(&m->values);
    mem_free(&m->names);
    mem_free(&m->addrs);
    mapfile_free(&m->file);
    mem_free(mp);
}

size_t access_count(const access_map *m)
{
    return m->nnames + m->naddrs;
}

size_t access_ignored(const access_map *m)
{
    return m->ignored;
}

const char *access_action_name(access_action a)
{
    static const char *const names[] = {"NONE",    "OK",    "RELAY",    "REJECT",
                                        "DISCARD", "ERROR", "TEMPFAIL", "QUARANTINE"};

    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

/* ---- lookups ---- */

typedef enum probe { MISS, HIT, SKIPPED } probe;

static void clear(access_result *r)
{
    *r = (access_result){.action = ACCESS_NONE, .text = ""};
}

static probe fill(access_result *r, const mapfile_entry *src, const value *v)
{
    clear(r);
    r->key = src->key;
    r->line = src->line;
    if (v->skip)
        return SKIPPED;
    r->action = v->action;
    r->code = v->code;
    r->dsn = v->dsn;
    r->text = v->text;
    return HIT;
}

static const name_entry *find_name(const access_map *m, const char *key)
{
    name_entry k = {.key = (char *)(uintptr_t)key};

    return m->nnames ? bsearch(&k, m->names, m->nnames, sizeof k, cmp_names) : NULL;
}

/* "tag:s" and then (unless t is TAG_NONE) "s": sendmail's <+ Tag> mark. */
static probe probe_key(const access_map *m, tag t, const char *s, size_t n, const char *suffix,
                       str_t *buf, access_result *r)
{
    for (int pass = 0; pass < 2; pass++) {
        const name_entry *e;

        if (pass == 1 && t == TAG_NONE)
            break;
        str_clear(buf);
        str_append_cstr(buf, tag_prefix[pass ? TAG_NONE : t]);
        str_append(buf, s, n);
        str_append_cstr(buf, suffix);
        if ((e = find_name(m, buf->buf)) != NULL)
            return fill(r, e->src, e->val);
    }
    return MISS;
}

/* "[1.2.3.4]", "[1.2.3]", ... "[1]"; "[ipv6:a:b:...]", ... "[ipv6:a]". */
static probe walk_literal(const access_map *m, tag t, const char *lit, str_t *buf, access_result *r)
{
    const char *inner = lit + 1;
    size_t k = strlen(inner) - 1; /* without the ']' */
    size_t floor = strncmp(inner, "ipv6:", 5) == 0 ? 5 : 0;

    for (;;) {
        probe p;
        size_t j = k;
        str_t tmp;

        str_init(&tmp);
        str_append_char(&tmp, '[');
        str_append(&tmp, inner, k);
        str_append_char(&tmp, ']');
        p = probe_key(m, t, tmp.buf, tmp.len, "", buf, r);
        str_free(&tmp);
        if (p != MISS)
            return p;
        while (j > floor && inner[j - 1] != '.' && inner[j - 1] != ':')
            j--;
        if (j <= floor + 1)
            return MISS;
        k = j - 1;
    }
}

/* The domain and its parents, or a domain literal. */
static probe walk_domain(const access_map *m, tag t, const char *d, str_t *buf, access_result *r)
{
    size_t len = strlen(d);

    if (len >= 3 && d[0] == '[' && d[len - 1] == ']') {
        str_t norm;
        const char *error;
        probe p;

        /* "[ipv6:2001:db8::5]" is looked up as the keys were stored. */
        str_init(&norm);
        if (normalise_key(TAG_NONE, d, &norm, &error) < 0) {
            str_clear(&norm);
            str_append_cstr(&norm, d);
        }
        p = walk_literal(m, t, norm.buf, buf, r);
        str_free(&norm);
        return p;
    }
    for (const char *p = d; p != NULL && *p != '\0';) {
        probe x = probe_key(m, t, p, strlen(p), "", buf, r);

        if (x != MISS)
            return x;
        p = strchr(p, '.');
        if (p != NULL)
            p++;
    }
    return MISS;
}

/* A lower-case copy without surrounding blanks, <> and trailing dots. */
static char *clean_copy(const char *s)
{
    size_t len;
    char *c;

    while (isspace((unsigned char)*s))
        s++;
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
        s++;
        len -= 2;
    }
    while (len > 0 && s[len - 1] == '.')
        len--;
    c = mem_strndup(s, len);
    for (char *p = c; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return c;
}

static void literal_of(const cidr_addr *a, str_t *out)
{
    str_append_char(out, '[');
    if (cidr_addr_is_v4(a)) {
        str_printf(out, "%u.%u.%u.%u", a->b[12], a->b[13], a->b[14], a->b[15]);
    } else {
        uint16_t g[8];

        for (int i = 0; i < 8; i++)
            g[i] = (uint16_t)(a->b[2 * i] << 8 | a->b[2 * i + 1]);
        format_groups(out, g, 8);
    }
    str_append_char(out, ']');
}

access_action access_lookup_connect(const access_map *m, const cidr_addr *addr,
                                    const char *confirmed_name, access_result *r)
{
    str_t buf, lit;
    probe p;

    clear(r);
    str_init(&buf);
    str_init(&lit);
    if (confirmed_name != NULL && *confirmed_name != '\0') {
        char *name = clean_copy(confirmed_name);

        p = walk_domain(m, TAG_CONNECT, name, &buf, r);
        mem_free(&name);
    } else {
        literal_of(addr, &lit);
        p = walk_literal(m, TAG_CONNECT, lit.buf, &buf, r);
    }
    str_free(&buf);
    str_free(&lit);
    if (p == HIT)
        return r->action;
    clear(r);
    for (size_t i = 0; i < m->naddrs; i++) {
        if (cidr_match(&m->addrs[i].net, addr)) {
            fill(r, m->addrs[i].src, m->addrs[i].val);
            break;
        }
    }
    return r->action;
}

/* user+detail<suffix>, user+*<suffix>, user<suffix>: sendmail's F and U. */
static probe probe_user(const access_map *m, tag t, const char *local, const char *suffix,
                        str_t *buf, access_result *r)
{
    const char *plus = strchr(local, '+');
    probe p = probe_key(m, t, local, strlen(local), suffix, buf, r);
    str_t star;

    if (p != MISS || plus == NULL)
        return p;
    str_init(&star);
    str_append(&star, local, (size_t)(plus - local) + 1);
    str_append_char(&star, '*');
    p = probe_key(m, t, star.buf, star.len, suffix, buf, r);
    str_free(&star);
    if (p != MISS)
        return p;
    return probe_key(m, t, local, (size_t)(plus - local), suffix, buf, r);
}

static probe lookup_mail(const access_map *m, tag t, char *a, str_t *buf, access_result *r)
{
    char *at = strrchr(a, '@');
    const char *domain = NULL;
    probe p = MISS;
    str_t s;

    if (*a == '\0')
        return MISS;
    if (at != NULL) {
        *at = '\0';
        domain = at[1] != '\0' ? at + 1 : NULL;
    }
    str_init(&s);
    if (domain != NULL)
        str_printf(&s, "@%s", domain);
    if (*a != '\0' && domain != NULL) {
        p = probe_user(m, t, a, s.buf, buf, r);
    }
    if (p == MISS && *a != '\0')
        p = probe_user(m, t, a, "@", buf, r);
    if (p == MISS && domain != NULL)
        p = probe_key(m, t, s.buf, s.len, "", buf, r);
    if (p == MISS && domain != NULL)
        p = walk_domain(m, t, domain, buf, r);
    str_free(&s);
    return p;
}

static access_action lookup_address(const access_map *m, tag t, const char *address,
                                    access_result *r)
{
    char *a = clean_copy(address);
    str_t buf;

    clear(r);
    str_init(&buf);
    if (lookup_mail(m, t, a, &buf, r) != HIT)
        r->action = ACCESS_NONE;
    str_free(&buf);
    mem_free(&a);
    return r->action;
}

access_action access_lookup_from(const access_map *m, const char *address, access_result *r)
{
    return lookup_address(m, TAG_FROM, address, r);
}

access_action access_lookup_to(const access_map *m, const char *address, access_result *r)
{
    return lookup_address(m, TAG_TO, address, r);
}
