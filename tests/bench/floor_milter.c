/*
 * floor_milter.c - the least a libmilter DKIM signer can cost, for the
 * benchmark (tests/bench/dkim-bench.py); never installed.
 *
 * It negotiates the protocol milterkit-dkim negotiates and asks the same
 * macros, both taken from dkim_milter.h (no HELO, RCPT, DATA or unknown
 * events, no replies to connect, MAIL, headers, end of headers and body).  Without -k it does nothing
 * else: its CPU per message is libmilter's own cost on this machine.  With
 * -k KEYFILE (a PEM private key) it does the minimum a signer must: hash
 * the body as it streams, keep the header bytes, sign them with the key
 * parsed once at start (one EVP_DigestSign, SHA-256) and insert the
 * base64 signature as a header.  No canonicalization, no policy, no
 * logging: whatever milterkit-dkim spends above this is its own.
 *
 * Usage: floor_milter -p SOCKET [-k KEYFILE]
 */
#include "config.h"

#include <libmilter/mfapi.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dkim_milter.h"
#include "milter/macros.h"

/* Header bytes kept per message; the rest is ignored (benchmark only). */
#define FLOOR_HEADER_MAX 65536

typedef struct floor_msg {
    EVP_MD_CTX *body;
    size_t hlen;
    unsigned char head[FLOOR_HEADER_MAX];
} floor_msg;

static EVP_PKEY *sign_key; /* NULL: protocol floor only */

static sfsistat fl_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                             unsigned long f2, unsigned long f3, unsigned long *pf0,
                             unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    (void)f2;
    (void)f3;
    *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
    *pf1 = DKIM_MILTER_PROTOCOL & f1;
    *pf2 = *pf3 = 0;
    macros_request(ctx, MACROS_DKIM);
    return SMFIS_CONTINUE;
}

static sfsistat fl_envfrom(SMFICTX *ctx, char **argv)
{
    floor_msg *m;
    (void)argv;

    if (sign_key == NULL)
        return SMFIS_NOREPLY;
    m = calloc(1, sizeof *m);
    if (m == NULL || (m->body = EVP_MD_CTX_new()) == NULL ||
        EVP_DigestInit_ex(m->body, EVP_sha256(), NULL) != 1) {
        if (m != NULL)
            EVP_MD_CTX_free(m->body);
        free(m);
        return SMFIS_TEMPFAIL;
    }
    smfi_setpriv(ctx, m);
    return SMFIS_NOREPLY;
}

static sfsistat fl_header(SMFICTX *ctx, char *name, char *value)
{
    floor_msg *m = smfi_getpriv(ctx);
    size_t nl = strlen(name), vl = strlen(value);

    if (m != NULL && nl + vl + 3 <= FLOOR_HEADER_MAX - m->hlen) {
        memcpy(m->head + m->hlen, name, nl);
        m->head[m->hlen + nl] = ':';
        memcpy(m->head + m->hlen + nl + 1, value, vl);
        memcpy(m->head + m->hlen + nl + 1 + vl, "\r\n", 2);
        m->hlen += nl + vl + 3;
    }
    return SMFIS_NOREPLY;
}

static sfsistat fl_eoh(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_NOREPLY;
}

static sfsistat fl_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    floor_msg *m = smfi_getpriv(ctx);

    if (m != NULL && EVP_DigestUpdate(m->body, chunk, len) != 1)
        return SMFIS_TEMPFAIL;
    return SMFIS_CONTINUE; /* body chunks are answered, as milterkit-dkim's */
}

static void msg_free(SMFICTX *ctx)
{
    floor_msg *m = smfi_getpriv(ctx);

    if (m != NULL) {
        EVP_MD_CTX_free(m->body);
        free(m);
        smfi_setpriv(ctx, NULL);
    }
}

static sfsistat fl_eom(SMFICTX *ctx)
{
    floor_msg *m = smfi_getpriv(ctx);
    unsigned char bh[EVP_MAX_MD_SIZE], sig[1024];
    char b64[1400];
    size_t siglen = sizeof sig;
    unsigned int bhlen;
    EVP_MD_CTX *sctx;
    int ok;

    if (m == NULL)
        return SMFIS_CONTINUE;
    sctx = EVP_MD_CTX_new();
    ok = sctx != NULL && EVP_DigestFinal_ex(m->body, bh, &bhlen) == 1 &&
         EVP_DigestSignInit_ex(sctx, NULL, "SHA256", NULL, NULL, sign_key, NULL) == 1 &&
         EVP_DigestSignUpdate(sctx, m->head, m->hlen) == 1 &&
         EVP_DigestSignUpdate(sctx, bh, bhlen) == 1 &&
         EVP_DigestSignFinal(sctx, sig, &siglen) == 1 && siglen <= 1024;
    EVP_MD_CTX_free(sctx);
    msg_free(ctx);
    if (!ok)
        return SMFIS_TEMPFAIL;
    EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
    if (smfi_insheader(ctx, 0, "X-Floor-Signature", b64) != MI_SUCCESS)
        return SMFIS_TEMPFAIL;
    return SMFIS_CONTINUE;
}

static sfsistat fl_abort(SMFICTX *ctx)
{
    msg_free(ctx);
    return SMFIS_CONTINUE;
}

static sfsistat fl_close(SMFICTX *ctx)
{
    msg_free(ctx);
    return SMFIS_CONTINUE;
}

static struct smfiDesc floor_desc = {
    .xxfi_name = "floor_milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
    .xxfi_envfrom = fl_envfrom,
    .xxfi_header = fl_header,
    .xxfi_eoh = fl_eoh,
    .xxfi_body = fl_body,
    .xxfi_eom = fl_eom,
    .xxfi_abort = fl_abort,
    .xxfi_close = fl_close,
    .xxfi_negotiate = fl_negotiate,
};

int main(int argc, char **argv)
{
    const char *sock = NULL, *keyfile = NULL;
    FILE *fh;
    int ch;

    while ((ch = getopt(argc, argv, "p:k:")) != -1) {
        if (ch == 'p')
            sock = optarg;
        else if (ch == 'k')
            keyfile = optarg;
        else
            return 2;
    }
    if (sock == NULL) {
        fprintf(stderr, "usage: floor_milter -p SOCKET [-k KEYFILE]\n");
        return 2;
    }
    if (keyfile != NULL) {
        if ((fh = fopen(keyfile, "r")) == NULL) {
            perror(keyfile);
            return 1;
        }
        sign_key = PEM_read_PrivateKey(fh, NULL, NULL, NULL);
        fclose(fh);
        if (sign_key == NULL) {
            fprintf(stderr, "%s: not a PEM private key\n", keyfile);
            return 1;
        }
    }
    if (smfi_setconn((char *)sock) != MI_SUCCESS || smfi_register(floor_desc) != MI_SUCCESS) {
        fprintf(stderr, "floor_milter: cannot set up libmilter\n");
        return 1;
    }
    fprintf(stderr, "floor_milter: starting on %s%s\n", sock, sign_key ? " (signing)" : "");
    fflush(stderr);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
