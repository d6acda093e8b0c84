/*
 * dkimcanon.c - RFC 6376 section 3.4 canonicalization: header fields, and
 * a streaming body canonicalizer that hashes with SHA-256 as it goes.
 *
 * The body state machine works byte by byte in meaning (runs of ordinary
 * bytes are copied at once), so a body split anywhere into chunks gives
 * the same hash as the body fed whole.  Empty lines are counted, not
 * stored, and hashed only when a non-empty line follows them: that is how
 * trailing empty lines disappear without buffering the body.
 */
#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "dkim/dkimcanon.h"
#include "core/mem.h"

#define BODY_BUF 4096

struct dkimcanon_body {
    dkimcanon_t c;
    EVP_MD_CTX *md;
    const char *error;     /* first OpenSSL failure, reported at final */
    bool cr;               /* a CR is pending: maybe the start of CRLF */
    bool wsp;              /* relaxed: WSP seen in this line, not yet hashed */
    bool line_has_content; /* the current line has hashed content */
    uint64_t empty_lines;  /* empty lines seen and not yet hashed */
    uint64_t length;       /* canonical bytes hashed */
    size_t buflen;
    unsigned char buf[BODY_BUF];
};

const char *dkimcanon_name(dkimcanon_t c)
{
    return c == DKIMCANON_SIMPLE ? "simple" : "relaxed";
}

int dkimcanon_from_name(const char *name, dkimcanon_t *c_r)
{
    if (strcmp(name, "simple") == 0)
        *c_r = DKIMCANON_SIMPLE;
    else if (strcmp(name, "relaxed") == 0)
        *c_r = DKIMCANON_RELAXED;
    else
        return -1;
    return 0;
}

static bool is_wsp(char ch)
{
    return ch == ' ' || ch == '\t';
}

static void header_simple(const char *name, const char *value, size_t len, str_t *out)
{
    str_append_cstr(out, name);
    str_append_char(out, ':');
    for (size_t i = 0; i < len; i++) {
        if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
            str_append_char(out, '\r');
        str_append_char(out, value[i]);
    }
}

static void header_relaxed(const char *name, const char *value, size_t len, str_t *out)
{
    size_t nlen = strlen(name);
    bool pending_wsp = false, started = false;

    while (nlen > 0 && is_wsp(name[nlen - 1]))
        nlen--;
    for (size_t i = 0; i < nlen; i++) {
        char ch = name[i];
        str_append_char(out, (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch);
    }
    str_append_char(out, ':');
    for (size_t i = 0; i < len; i++) {
        char ch = value[i];

        if (ch == '\n' || (ch == '\r' && i + 1 < len && value[i + 1] == '\n'))
            continue; /* unfold */
        if (is_wsp(ch)) {
            pending_wsp = started;
            continue;
        }
        if (pending_wsp)
            str_append_char(out, ' ');
        pending_wsp = false;
        started = true;
        str_append_char(out, ch);
    }
}

void dkimcanon_header(dkimcanon_t c, const char *name, const char *value, size_t value_len,
                      bool omit_crlf, str_t *out)
{
    if (c == DKIMCANON_SIMPLE)
        header_simple(name, value, value_len, out);
    else
        header_relaxed(name, value, value_len, out);
    if (!omit_crlf)
        str_append(out, "\r\n", 2);
}

/* ---- body ---- */

static void body_flush(dkimcanon_body_t *b)
{
    if (b->buflen > 0 && b->error == NULL && EVP_DigestUpdate(b->md, b->buf, b->buflen) != 1)
        b->error = "SHA-256 update failed";
    b->buflen = 0;
}

static void body_emit(dkimcanon_body_t *b, const void *p, size_t n)
{
    b->length += n;
    if (b->buflen + n > sizeof(b->buf))
        body_flush(b);
    if (n >= sizeof(b->buf)) {
        if (b->error == NULL && EVP_DigestUpdate(b->md, p, n) != 1)
            b->error = "SHA-256 update failed";
        return;
    }
    memcpy(b->buf + b->buflen, p, n);
    b->buflen += n;
}

/* Hashes content of the current line, after any pending lines and WSP. */
static void body_content(dkimcanon_body_t *b, const void *p, size_t n)
{
    if (!b->line_has_content) {
        for (; b->empty_lines > 0; b->empty_lines--)
            body_emit(b, "\r\n", 2);
        b->line_has_content = true;
    }
    if (b->wsp) {
        body_emit(b, " ", 1);
        b->wsp = false;
    }
    body_emit(b, p, n);
}

static void body_eol(dkimcanon_body_t *b)
{
    b->wsp = false;
    if (b->line_has_content) {
        body_emit(b, "\r\n", 2);
        b->line_has_content = false;
    } else {
        b->empty_lines++;
    }
}

/* Length of the run of ordinary bytes at p (no CR, LF, nor WSP if relaxed). */
static size_t body_run(const dkimcanon_body_t *b, const unsigned char *p, size_t n)
{
    size_t i = 0;

    if (b->c == DKIMCANON_SIMPLE) {
        while (i < n && p[i] != '\r' && p[i] != '\n')
            i++;
    } else {
        while (i < n && p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t')
            i++;
    }
    return i;
}

void dkimcanon_body_update(dkimcanon_body_t *b, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;

    while (i < len) {
        unsigned char ch = p[i];

        if (b->cr) {
            b->cr = false;
            if (ch == '\n') {
                body_eol(b);
                i++;
                continue;
            }
            body_content(b, "\r", 1); /* a bare CR is content */
        }
        if (ch == '\r') {
            b->cr = true;
            i++;
        } else if (ch == '\n') {
            body_eol(b);
            i++;
        } else if (b->c == DKIMCANON_RELAXED && (ch == ' ' || ch == '\t')) {
            b->wsp = true;
            i++;
        } else {
            size_t n = body_run(b, p + i, len - i);
            body_content(b, p + i, n);
            i += n;
        }
    }
}

int dkimcanon_body_final(dkimcanon_body_t *b, unsigned char hash[DKIMCANON_HASH_LEN],
                         const char **error_r)
{
    unsigned int hlen = 0;

    if (b->cr) {
        b->cr = false;
        body_content(b, "\r", 1);
    }
    /* A last line without CRLF keeps its trailing WSP as one SP (WSP is
       only removed before a CRLF), and gets a CRLF: as libopendkim and dkimpy. */
    if (b->wsp)
        body_content(b, "", 0);
    if (b->line_has_content)
        body_emit(b, "\r\n", 2);
    b->line_has_content = false;
    b->empty_lines = 0;
    if (b->c == DKIMCANON_SIMPLE && b->length == 0) /* empty body is one CRLF */
        body_emit(b, "\r\n", 2);
    body_flush(b);
    if (b->error == NULL && (EVP_DigestFinal_ex(b->md, hash, &hlen) != 1 || hlen != 32))
        b->error = "SHA-256 final failed";
    if (b->error != NULL) {
        ERR_clear_error();
        *error_r = b->error;
        return -1;
    }
    return 0;
}

int dkimcanon_body_reset(dkimcanon_body_t *b, const char **error_r)
{
    dkimcanon_t c = b->c;
    EVP_MD_CTX *md = b->md;

    memset(b, 0, sizeof(*b));
    b->c = c;
    b->md = md;
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        ERR_clear_error();
        b->error = "SHA-256 init failed";
        *error_r = b->error;
        return -1;
    }
    return 0;
}

int dkimcanon_body_new(dkimcanon_t c, dkimcanon_body_t **body_r, const char **error_r)
{
    dkimcanon_body_t *b = mem_zalloc(sizeof(*b));

    *body_r = NULL;
    b->c = c;
    b->md = EVP_MD_CTX_new();
    if (b->md == NULL)
        panic("EVP_MD_CTX_new: out of memory");
    if (dkimcanon_body_reset(b, error_r) < 0) {
        dkimcanon_body_free(&b);
        return -1;
    }
    *body_r = b;
    return 0;
}

uint64_t dkimcanon_body_length(const dkimcanon_body_t *b)
{
    return b->length;
}

void dkimcanon_body_free(dkimcanon_body_t **body)
{
    if (*body == NULL)
        return;
    EVP_MD_CTX_free((*body)->md);
    mem_free(body);
}
