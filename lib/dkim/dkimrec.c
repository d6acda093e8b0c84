/*
 * dkimrec.c - DKIM key records: the TXT text we publish (one string, or a
 * zone-file line cut into <= 255-byte strings), a bounded parser of the
 * tag-list found in DNS (RFC 6376 3.2 and 3.6.1), and the verdict of
 * published records against a private key.  See dkimrec.h.
 */
#include "config.h"

#include "dkim/dkimrec.h"

#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/mem.h"

void dkimrec_format(const dkimrec_spec *spec, str_t *out)
{
    str_printf(out, "v=DKIM1; k=%s; ", spec->k);
    if (spec->testing && spec->no_subdomains)
        str_append_cstr(out, "t=y:s; ");
    else if (spec->testing)
        str_append_cstr(out, "t=y; ");
    else if (spec->no_subdomains)
        str_append_cstr(out, "t=s; ");
    str_printf(out, "p=%s", spec->p);
}

/* Appends " \"" + n bytes + "\"". */
static void append_quoted(str_t *out, const char *p, size_t n)
{
    str_append_cstr(out, " \"");
    str_append(out, p, n);
    str_append_char(out, '"');
}

void dkimrec_zone_line(const dkimrec_spec *spec, const char *selector, const char *domain,
                     str_t *out)
{
    str_t rec;
    str_init(&rec);
    dkimrec_format(spec, &rec);
    const char *p = strstr(rec.buf, "p=");
    if (p == NULL)
        panic("dkimrec_zone_line: no p= in formatted record");
    size_t head = (size_t)(p - rec.buf);
    str_printf(out, "%s._domainkey\tIN\tTXT\t(", selector);
    append_quoted(out, rec.buf, head); /* tags before p=, well under 255 */
    for (size_t off = head; off < rec.len; off += DKIMREC_TXT_CHUNK) {
        size_t n = rec.len - off;
        append_quoted(out, rec.buf + off, n < DKIMREC_TXT_CHUNK ? n : DKIMREC_TXT_CHUNK);
    }
    str_printf(out, " )  ; ----- DKIM key %s for %s\n", selector, domain);
    str_free(&rec);
}

/* ---- parsing ---- */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* VALCHAR = %x21-3A / %x3C-7E (printable, not ';') */
static bool is_valchar(char c)
{
    unsigned char u = (unsigned char)c;
    return u >= 0x21 && u <= 0x7e && c != ';';
}

static bool is_b64char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '+' || c == '/';
}

static size_t skip_ws(const char *s, size_t i, size_t len)
{
    while (i < len && is_ws(s[i]))
        i++;
    return i;
}

/* Copies s[0..n) without any whitespace. */
static char *strip_ws(const char *s, size_t n)
{
    char *r = mem_alloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_ws(s[i]))
            r[j++] = s[i];
    r[j] = '\0';
    return r;
}

/* base64 with its whitespace removed: alphabet, then at most two '=' at the
 * end, length a multiple of 4.  The empty string is fine (revoked key). */
static bool valid_base64(const char *b)
{
    size_t n = strlen(b), i = 0;
    while (i < n && is_b64char(b[i]))
        i++;
    size_t pad = n - i;
    if (pad > 2 || n % 4 != 0)
        return false;
    for (; i < n; i++)
        if (b[i] != '=')
            return false;
    return true;
}

/* The slot in rec for a known tag name, or NULL for tags we ignore. */
static char **tag_slot(dkimrec *rec, const char *name, size_t n)
{
    static const struct { const char *name; size_t off; } tags[] = {
        { "v", offsetof(dkimrec, v) }, { "k", offsetof(dkimrec, k) }, { "h", offsetof(dkimrec, h) },
        { "n", offsetof(dkimrec, n) }, { "p", offsetof(dkimrec, p) }, { "s", offsetof(dkimrec, s) },
        { "t", offsetof(dkimrec, t) },
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (strlen(tags[i].name) == n && memcmp(tags[i].name, name, n) == 0)
            return (char **)((char *)rec + tags[i].off);
    return NULL;
}

/* Remembers each tag name seen, to refuse duplicates (RFC 6376 3.2). */
typedef struct seen_tags {
    const char *name[DKIMREC_MAX_TAGS];
    size_t len[DKIMREC_MAX_TAGS];
    size_t count;
} seen_tags;

static int note_tag(seen_tags *seen, const char *name, size_t n, const char **error_r)
{
    for (size_t i = 0; i < seen->count; i++) {
        if (seen->len[i] == n && memcmp(seen->name[i], name, n) == 0) {
            *error_r = "duplicated tag";
            return -1;
        }
    }
    if (seen->count >= DKIMREC_MAX_TAGS) {
        *error_r = "too many tags";
        return -1;
    }
    seen->name[seen->count] = name;
    seen->len[seen->count++] = n;
    return 0;
}

/*
 * Reads one tag-spec starting at *ip (after optional whitespace) up to the
 * ';' or end.  Sets name/value (value trimmed of outer whitespace) and
 * moves *ip past the ';'.
 */
static int read_tag(const char *s, size_t len, size_t *ip, const char **name, size_t *nlen,
                    const char **val, size_t *vlen, const char **error_r)
{
    size_t i = skip_ws(s, *ip, len);
    size_t start = i;
    if (i >= len || !is_alpha(s[i])) {
        *error_r = "tag name expected";
        return -1;
    }
    while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_'))
        i++;
    *name = s + start;
    *nlen = i - start;
    i = skip_ws(s, i, len);
    if (i >= len || s[i] != '=') {
        *error_r = "'=' expected after tag name";
        return -1;
    }
    i = skip_ws(s, i + 1, len);
    start = i;
    size_t end = i; /* one past the last VALCHAR */
    for (; i < len && s[i] != ';'; i++) {
        if (is_valchar(s[i]))
            end = i + 1;
        else if (!is_ws(s[i])) {
            *error_r = "invalid character in tag value";
            return -1;
        }
    }
    *val = s + start;
    *vlen = end - start;
    *ip = i < len ? i + 1 : i;
    return 0;
}

/* Checks the tags as a key record after the tag-list parsed. */
static int check_record(const dkimrec *rec, const char **error_r)
{
    if (rec->v != NULL && strcmp(rec->v, "DKIM1") != 0) {
        *error_r = "v= is not DKIM1";
        return -1;
    }
    if (rec->p == NULL) {
        *error_r = "no p= tag";
        return -1;
    }
    if (!valid_base64(rec->p)) {
        *error_r = "p= is not valid base64";
        return -1;
    }
    return 0;
}

static int parse_tags(const char *txt, size_t len, dkimrec *rec, const char **error_r)
{
    seen_tags seen = { .count = 0 };
    size_t i = 0;
    while (skip_ws(txt, i, len) < len) {
        const char *name, *val;
        size_t nlen, vlen;
        if (read_tag(txt, len, &i, &name, &nlen, &val, &vlen, error_r) < 0)
            return -1;
        if (note_tag(&seen, name, nlen, error_r) < 0)
            return -1;
        if (nlen == 1 && name[0] == 'v' && seen.count != 1) {
            *error_r = "v= is not the first tag";
            return -1;
        }
        char **slot = tag_slot(rec, name, nlen);
        if (slot != NULL)
            *slot = (name[0] == 'p') ? strip_ws(val, vlen) : mem_strndup(val, vlen);
    }
    return 0;
}

int dkimrec_parse(const char *txt, size_t len, dkimrec *rec, const char **error_r)
{
    memset(rec, 0, sizeof *rec);
    if (len > DKIMREC_MAX_LEN) {
        *error_r = "record too long";
        return -1;
    }
    if (memchr(txt, '\0', len) != NULL) {
        *error_r = "NUL byte in record";
        return -1;
    }
    if (parse_tags(txt, len, rec, error_r) < 0 || check_record(rec, error_r) < 0) {
        dkimrec_free(rec);
        return -1;
    }
    return 0;
}

void dkimrec_free(dkimrec *rec)
{
    mem_free(&rec->v);
    mem_free(&rec->k);
    mem_free(&rec->h);
    mem_free(&rec->n);
    mem_free(&rec->p);
    mem_free(&rec->s);
    mem_free(&rec->t);
}

bool dkimrec_has_flag(const dkimrec *rec, const char *flag)
{
    if (rec->t == NULL)
        return false;
    size_t fl = strlen(flag);
    const char *s = rec->t;
    while (*s != '\0') {
        while (is_ws(*s) || *s == ':')
            s++;
        size_t n = 0;
        while (s[n] != '\0' && s[n] != ':' && !is_ws(s[n]))
            n++;
        if (n == fl && memcmp(s, flag, n) == 0)
            return true;
        s += n;
    }
    return false;
}

/* ---- judging published records against a key ---- */

/* Why a well-formed record cannot be used with key, or NULL when it can. */
static const char *unusable(const dkimrec *rec, const dkimkey_t *key)
{
    const char *k = rec->k != NULL ? rec->k : "rsa";
    if (rec->p[0] == '\0')
        return "the key is revoked (empty p=)";
    if (strcasecmp(k, "rsa") != 0 && strcasecmp(k, "ed25519") != 0)
        return "unknown key type k=";
    if (strcasecmp(k, dkimkey_type_name(key)) != 0)
        return "k= names another key type than the key file's";
    if (rec->h != NULL && strstr(rec->h, "sha256") == NULL)
        return "h= does not allow sha256";
    if (rec->s != NULL && strstr(rec->s, "*") == NULL && strstr(rec->s, "email") == NULL)
        return "s= excludes email";
    return NULL;
}

/* Same public key?  Compares the decoded p= bytes. */
static bool same_key(const char *published, const str_t *ours_b64)
{
    str_t a, b;
    str_init(&a);
    str_init(&b);
    bool same = dkimkey_b64_decode(published, strlen(published), &a) == 0 &&
                dkimkey_b64_decode(ours_b64->buf, ours_b64->len, &b) == 0 && a.len == b.len &&
                memcmp(a.buf, b.buf, a.len) == 0;
    str_free(&a);
    str_free(&b);
    return same;
}

/* One record's verdict, with a line appended to msg. */
static dkimrec_verdict judge_one(const char *txt, size_t len, const dkimkey_t *key,
                                 const str_t *ours, str_t *msg)
{
    dkimrec rec;
    const char *err;
    log_safe_buf sb;
    if (dkimrec_parse(txt, len, &rec, &err) < 0) {
        str_printf(msg, "malformed record (%s): \"%s\"\n", err, log_safe(&sb, txt, len));
        return DKIMREC_MALFORMED;
    }
    dkimrec_verdict r;
    const char *why = unusable(&rec, key);
    if (why != NULL) {
        str_printf(msg, "unusable record: %s\n", why);
        r = DKIMREC_DIFFERENT;
    } else if (!same_key(rec.p, ours)) {
        str_printf(msg, "record holds a different public key\n");
        r = DKIMREC_DIFFERENT;
    } else {
        str_printf(msg, "record matches the key file%s%s\n",
                   dkimrec_has_flag(&rec, "y") ? " (t=y: testing mode)" : "",
                   dkimrec_has_flag(&rec, "s") ? " (t=s: no subdomains in i=)" : "");
        r = DKIMREC_MATCH;
    }
    dkimrec_free(&rec);
    return r;
}

dkimrec_verdict dkimrec_judge(const char *const *txt, const size_t *len, size_t n,
                              const dkimkey_t *key, str_t *msg)
{
    str_t ours;
    const char *err;
    str_init(&ours);
    if (dkimkey_public_dns(key, &ours, &err) < 0) {
        str_printf(msg, "cannot derive the public key: %s\n", err);
        str_free(&ours);
        return DKIMREC_ERROR;
    }
    dkimrec_verdict best = DKIMREC_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        dkimrec_verdict r = judge_one(txt[i], len[i], key, &ours, msg);
        if (r < best)
            best = r;
    }
    if (n > 1)
        str_printf(msg, "warning: %zu TXT records at this name; verifiers may pick any\n", n);
    str_free(&ours);
    return best;
}
