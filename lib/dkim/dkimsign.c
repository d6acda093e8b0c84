/*
 * dkimsign.c - assemble, fold, hash and sign the DKIM-Signature header.
 *
 * The header value is built once, folded, up to and including "b=".  Those
 * bytes are canonicalized and hashed after the signed header fields, then
 * the signature is appended to the same buffer with the same folder: the
 * emitted header, with its b= value removed, is exactly what was hashed.
 * The choice of h= (wildcards, oversigning) lives in dkimsign_hdrs.c.
 */
#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "dkim/dkimsign.h"
#include "dkim/dkimsign_hdrs.h"
#include "core/dname.h"
#include "core/mem.h"

/* Folding state: the value being built and the column of its last line. */
typedef struct folder {
    str_t *out;
    size_t col;
    const char *eol; /* "\n\t" or "\r\n\t" */
} folder_t;

/* Puts a word on the line (after sep, "" or " "), or folds before it. */
static void fold_word(folder_t *f, const char *word, size_t len, const char *sep)
{
    size_t seplen = strlen(sep);

    if (f->col + seplen + len > DKIMSIGN_LINE_MAX && f->col > 1) {
        str_append_cstr(f->out, f->eol);
        f->col = 1;
    } else {
        str_append(f->out, sep, seplen);
        f->col += seplen;
    }
    str_append(f->out, word, len);
    f->col += len;
}

/* Appends base64 text, filling lines and folding inside it. */
static void fold_b64(folder_t *f, const char *text, size_t len)
{
    while (len > 0) {
        size_t room = f->col < DKIMSIGN_LINE_MAX ? DKIMSIGN_LINE_MAX - f->col : 0;
        size_t n;

        if (room < 4) {
            str_append_cstr(f->out, f->eol);
            f->col = 1;
            continue;
        }
        n = len < room ? len : room;
        str_append(f->out, text, n);
        f->col += n;
        text += n;
        len -= n;
    }
}

/* Starts a base64 tag, on a new line unless a few characters fit after it. */
static void fold_b64_tag(folder_t *f, const char *tag)
{
    size_t len = strlen(tag);

    if (f->col + 1 + len + 8 > DKIMSIGN_LINE_MAX) {
        str_append_cstr(f->out, f->eol);
        f->col = 1;
        str_append(f->out, tag, len);
        f->col += len;
    } else {
        fold_word(f, tag, len, " ");
    }
}

/* Puts "NAME=VALUE;" as one word. */
static void fold_tag(folder_t *f, const char *name, const char *value)
{
    str_t tag;

    str_init(&tag);
    str_printf(&tag, "%s=%s;", name, value);
    fold_word(f, tag.buf, tag.len, " ");
    str_free(&tag);
}

/* i=: printable ASCII without space nor ';'. */
static bool identity_ok(const char *s)
{
    if (s[0] == '\0' || strlen(s) > 998)
        return false;
    for (; *s != '\0'; s++)
        if (*s <= ' ' || *s >= 0x7f || *s == ';')
            return false;
    return true;
}

static void build_tags(const dkimsign_params_t *p, time_t t, const dkimsign_hlist_t *h,
                       const unsigned char *bh, folder_t *f)
{
    char num[32];
    str_t b64;

    str_append_cstr(f->out, " v=1;");
    f->col = strlen(DKIMSIGN_HEADER_NAME) + 1 + 5;
    fold_tag(f, "a", dkimkey_alg_name(p->key));
    snprintf(num, sizeof(num), "%s/%s", dkimcanon_name(p->header_canon),
             dkimcanon_name(p->body_canon));
    fold_tag(f, "c", num);
    fold_tag(f, "d", p->domain);
    fold_tag(f, "s", p->selector);
    if (p->identity != NULL)
        fold_tag(f, "i", p->identity);
    snprintf(num, sizeof(num), "%lld", (long long)t);
    fold_tag(f, "t", num);
    if (p->expire > 0) {
        snprintf(num, sizeof(num), "%lld", (long long)t + (long long)p->expire);
        fold_tag(f, "x", num);
    }
    for (size_t i = 0; i < h->n; i++) {
        str_t w;
        str_init(&w);
        str_printf(&w, "%s%s%s", i == 0 ? "h=" : "", h->names[i], i + 1 < h->n ? ":" : ";");
        fold_word(f, w.buf, w.len, i == 0 ? " " : "");
        str_free(&w);
    }
    fold_b64_tag(f, "bh=");
    str_init(&b64);
    dkimkey_b64_encode(bh, DKIMCANON_HASH_LEN, &b64);
    fold_b64(f, b64.buf, b64.len);
    str_append_char(f->out, ';');
    f->col++;
    str_free(&b64);
    fold_b64_tag(f, "b=");
}

static int sign_bytes(const dkimkey_t *key, const str_t *data, str_t *sig_b64,
                      const char **error_r)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char hash[32];
    unsigned char *sig;
    size_t siglen = dkimkey_sig_max(key);
    int ok;

    if (ctx == NULL)
        panic("EVP_MD_CTX_new: out of memory");
    sig = mem_alloc(siglen);
    if (dkimkey_type(key) == DKIMKEY_RSA) {
        ok = EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, dkimkey_pkey(key), NULL) == 1 &&
             EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)data->buf, data->len) == 1;
    } else {
        /* RFC 8463: PureEdDSA over the SHA-256 of the canonical headers. */
        ok = EVP_Digest(data->buf, data->len, hash, NULL, EVP_sha256(), NULL) == 1 &&
             EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, dkimkey_pkey(key), NULL) == 1 &&
             EVP_DigestSign(ctx, sig, &siglen, hash, sizeof(hash)) == 1;
    }
    EVP_MD_CTX_free(ctx);
    if (ok)
        dkimkey_b64_encode(sig, siglen, sig_b64);
    else {
        ERR_clear_error();
        *error_r = "OpenSSL signing failed";
    }
    mem_free(&sig);
    return ok ? 0 : -1;
}

static int check_params(const dkimsign_params_t *p, const char **error_r)
{
    if (p->key == NULL) {
        *error_r = "no signing key";
        return -1;
    }
    if (p->domain == NULL || p->selector == NULL ||
        dname_check_dkim_key(p->selector, p->domain, error_r) < 0) {
        *error_r = "bad d= domain or s= selector";
        return -1;
    }
    if (p->identity != NULL && !identity_ok(p->identity)) {
        *error_r = "bad i= identity";
        return -1;
    }
    return 0;
}

int dkimsign_sign(const dkimsign_params_t *p, const dkimsign_header_t *headers, size_t nheaders,
                  const unsigned char body_hash[DKIMCANON_HASH_LEN], str_t *value_out,
                  const char **error_r)
{
    dkimsign_hlist_t h;
    str_t value, canon, sig;
    folder_t f;
    int ret;

    if (check_params(p, error_r) < 0)
        return -1;
    if (dkimsign_hlist_build(p->sign, p->oversign, headers, nheaders, &h, error_r) < 0)
        return -1;
    str_init(&value);
    str_init(&canon);
    str_init(&sig);
    f.out = &value;
    f.eol = p->crlf ? "\r\n\t" : "\n\t";
    build_tags(p, p->timestamp != 0 ? p->timestamp : time(NULL), &h, body_hash, &f);
    dkimsign_hlist_canon(p->header_canon, &h, headers, nheaders, &canon);
    dkimcanon_header(p->header_canon, DKIMSIGN_HEADER_NAME, value.buf, value.len, true, &canon);
    ret = sign_bytes(p->key, &canon, &sig, error_r);
    if (ret == 0) {
        fold_b64(&f, sig.buf, sig.len);
        str_append(value_out, value.buf, value.len);
    }
    dkimsign_hlist_free(&h);
    str_free(&value);
    str_free(&canon);
    str_free(&sig);
    return ret;
}
