/*
 * test_dkimsign.c - unit tests of lib/dkimsign: every signature we make is
 * verified by libopendkim (in this program) and by dkimpy (a child
 * process), for RSA and Ed25519, the four c=, folded and unfolded headers,
 * empty, 8-bit and 5 MB bodies; a one-byte change must make it fail.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <opendkim/dkim.h>

#include "dkim/dkimcanon.h"
#include "dkim/dkimkey.h"
#include "dkim/dkimsign.h"
#include "core/mem.h"
#include "core/str.h"

#ifndef DKIM_TEST_DATA
#define DKIM_TEST_DATA "tests/data/dkim"
#endif

/* ---- fixtures: keys and the key records libopendkim is given ---- */

static dkimkey_t *rsa_key, *ed_key;
static str_t rsa_record, ed_record;
static const char *current_record; /* what the key lookup callback returns */

/* dkimpy batch: messages written to batch_dir, verified in one python run. */
#define BATCH_MAX 512
static char batch_dir[] = "/tmp/test_dkimsign.XXXXXX";
static struct {
    bool expect_pass;
    char label[160];
} batch[BATCH_MAX];
static size_t nbatch;

static void load_key(const char *file, dkimkey_t **key, str_t *record)
{
    char path[512];
    const char *error = NULL;
    str_t why;

    str_init(&why);
    snprintf(path, sizeof(path), "%s/%s", DKIM_TEST_DATA, file);
    if (dkimkey_load_file(path, NULL, key, &why) < 0)
        fail_msg("%s", why.buf);
    str_free(&why);
    str_init(record);
    str_printf(record, "v=DKIM1; k=%s; p=", dkimkey_type_name(*key));
    assert_int_equal(dkimkey_public_dns(*key, record, &error), 0);
}

static int setup_keys(void **state)
{
    (void)state;
    if (mkdtemp(batch_dir) == NULL)
        return -1;
    load_key("rsa2048-pkcs1.pem", &rsa_key, &rsa_record);
    load_key("ed25519-dknewkey.key", &ed_key, &ed_record);
    return 0;
}

static int teardown_keys(void **state)
{
    (void)state;
    rmdir(batch_dir);
    dkimkey_free(&rsa_key);
    dkimkey_free(&ed_key);
    str_free(&rsa_record);
    str_free(&ed_record);
    return 0;
}

/* ---- messages ---- */

static const dkimsign_header_t hdrs_unfolded[] = {
    {"Received", " from host.home.example.net by mail.example.net"},
    {"From", " Alice <alice@example.net>"},
    {"To", " bob@example.org"},
    {"Cc", " carol@example.org"},
    {"Cc", " dave@example.org"},
    {"Subject", " Hello  there\t "},
    {"Date", " Mon, 23 Nov 2026 11:00:00 +0000"},
    {"Message-ID", " <1234@example.net>"},
    {"MIME-Version", " 1.0"},
    {"Content-Type", " text/plain; charset=utf-8"},
    {"List-Id", " <list.example.net>"},
    {"X-Mailer", " test"},
};

static const dkimsign_header_t hdrs_folded[] = {
    {"Received", " from host.home.example.net\n\tby mail.example.net\n\twith ESMTP"},
    {"From", " Alice\n <alice@example.net>"},
    {"To", " bob@example.org,\r\n\tcarol@example.org"},
    {"Subject", " A subject that was\n   folded  over\n\tthree lines "},
    {"Date", " Mon, 23 Nov 2026\n 11:00:00 +0000"},
    {"Message-ID", " <1234@example.net>"},
    {"MIME-Version", " 1.0"},
    {"Content-Type", " text/plain;\n\tcharset=iso-8859-1"},
    {"Content-Transfer-Encoding", " 8bit"},
};

#define NHDRS(a) (sizeof(a) / sizeof((a)[0]))

static const char body_text[] = "Hello Bob,\r\n\r\n  This is  a test \t\r\nwith trailing"
                                " space   \r\n\r\n.dot line\r\n\r\n\r\n";
static const char body_8bit[] = "Gr\xfc\xdf" "e, caf\xc3\xa9 \xe2\x82\xac\r\n\xff\xfe\x80 \r\n";

typedef struct msg {
    const dkimsign_header_t *hdrs;
    size_t nhdrs;
    const char *body;
    size_t bodylen;
} msg_t;

/* Body hash with the body fed in chunks of the sizes in chunks[] (cycled). */
static void body_hash(dkimcanon_t c, const msg_t *m, const size_t *chunks, size_t nchunks,
                      unsigned char hash[32])
{
    dkimcanon_body_t *b = NULL;
    const char *error = NULL;
    size_t off = 0, k = 0;

    assert_int_equal(dkimcanon_body_new(c, &b, &error), 0);
    while (off < m->bodylen) {
        size_t n = nchunks > 0 ? chunks[k++ % nchunks] : m->bodylen;
        if (n > m->bodylen - off)
            n = m->bodylen - off;
        dkimcanon_body_update(b, m->body + off, n);
        off += n;
    }
    assert_int_equal(dkimcanon_body_final(b, hash, &error), 0);
    dkimcanon_body_free(&b);
}

static void sign(const dkimkey_t *key, dkimcanon_t hc, dkimcanon_t bc, const msg_t *m,
                 const size_t *chunks, size_t nchunks, str_t *sig)
{
    dkimsign_params_t p = {.domain = "example.net", .selector = "sel", .key = key,
                           .header_canon = hc, .body_canon = bc, .expire = 3600};
    unsigned char bh[32];
    const char *error = NULL;

    body_hash(bc, m, chunks, nchunks, bh);
    if (dkimsign_sign(&p, m->hdrs, m->nhdrs, bh, sig, &error) < 0)
        fail_msg("dkimsign_sign: %s", error);
}

/* name ":" value as the MTA writes it: bare LF made CRLF. */
static void wire_header(const char *name, const char *value, str_t *out)
{
    str_append_cstr(out, name);
    str_append_char(out, ':');
    for (const char *v = value; *v != '\0'; v++) {
        if (*v == '\n' && (v == value || v[-1] != '\r'))
            str_append_char(out, '\r');
        str_append_char(out, *v);
    }
}

/* ---- libopendkim as the oracle ---- */

static DKIM_CBSTAT key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    (void)dkim;
    (void)sig;
    if (strlen(current_record) >= buflen)
        return DKIM_CBSTAT_ERROR;
    strcpy((char *)buf, current_record);
    return DKIM_CBSTAT_CONTINUE;
}

static DKIM_STAT opendkim_verify(const char *record, const char *sig, const msg_t *m)
{
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    DKIM_STAT st;
    DKIM *d;
    str_t h;

    assert_non_null(lib);
    current_record = record;
    dkim_set_key_lookup(lib, key_lookup);
    d = dkim_verify(lib, (const unsigned char *)"test", NULL, &st);
    assert_non_null(d);
    str_init(&h);
    wire_header(DKIMSIGN_HEADER_NAME, sig, &h);
    assert_int_equal(dkim_header(d, (u_char *)h.buf, h.len), DKIM_STAT_OK);
    for (size_t i = 0; i < m->nhdrs; i++) {
        str_clear(&h);
        wire_header(m->hdrs[i].name, m->hdrs[i].value, &h);
        assert_int_equal(dkim_header(d, (u_char *)h.buf, h.len), DKIM_STAT_OK);
    }
    str_free(&h);
    st = dkim_eoh(d);
    if (st == DKIM_STAT_OK) {
        for (size_t off = 0; off < m->bodylen; off += 65536) {
            size_t n = m->bodylen - off < 65536 ? m->bodylen - off : 65536;
            dkim_body(d, (u_char *)m->body + off, n);
        }
        st = dkim_eom(d, NULL);
    }
    dkim_free(d);
    dkim_close(lib);
    return st;
}

/* ---- dkimpy as the second oracle: messages batched, one python run ---- */


static void write_file(const char *path, const void *a, size_t alen, const void *b, size_t blen)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(a, 1, alen, f), alen);
    if (blen > 0)
        assert_int_equal(fwrite(b, 1, blen, f), blen);
    assert_int_equal(fclose(f), 0);
}

static void batch_path(size_t i, const char *suffix, char *buf, size_t size)
{
    snprintf(buf, size, "%s/m%zu%s", batch_dir, i, suffix);
}

/* Queues the message signed with sig for dkimpy; checked by dkimpy_run(). */
static void dkimpy_add(const char *record, const char *sig, const msg_t *m, bool expect_pass,
                       const char *label)
{
    char path[256];
    str_t txt;

    assert_true(nbatch < BATCH_MAX);
    str_init(&txt);
    wire_header(DKIMSIGN_HEADER_NAME, sig, &txt);
    str_append_cstr(&txt, "\r\n");
    for (size_t i = 0; i < m->nhdrs; i++) {
        wire_header(m->hdrs[i].name, m->hdrs[i].value, &txt);
        str_append_cstr(&txt, "\r\n");
    }
    str_append_cstr(&txt, "\r\n");
    batch_path(nbatch, "", path, sizeof(path));
    write_file(path, txt.buf, txt.len, m->body, m->bodylen);
    batch_path(nbatch, ".rec", path, sizeof(path));
    write_file(path, record, strlen(record), "", 0);
    str_free(&txt);
    batch[nbatch].expect_pass = expect_pass;
    snprintf(batch[nbatch].label, sizeof(batch[nbatch].label), "%s", label);
    nbatch++;
}

static void dkimpy_run(void)
{
    const char *py = getenv("PYTHON3");
    char path[256], line[64];
    str_t cmd;
    FILE *p;
    size_t i = 0;

    str_init(&cmd);
    str_printf(&cmd, "%s %s/dkimpy-verify.py", py != NULL && py[0] != '\0' ? py : "/usr/bin/python3",
               DKIM_TEST_DATA);
    for (size_t k = 0; k < nbatch; k++) {
        batch_path(k, "", path, sizeof(path));
        str_printf(&cmd, " %s", path);
    }
    p = popen(cmd.buf, "r");
    assert_non_null(p);
    while (fgets(line, sizeof(line), p) != NULL && i < nbatch) {
        bool pass = strncmp(line, "pass", 4) == 0;
        if (pass != batch[i].expect_pass)
            fail_msg("dkimpy says %s for %s", pass ? "pass" : "fail", batch[i].label);
        i++;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(i, nbatch);
    for (size_t k = 0; k < nbatch; k++) {
        batch_path(k, "", path, sizeof(path));
        unlink(path);
        batch_path(k, ".rec", path, sizeof(path));
        unlink(path);
    }
    nbatch = 0;
    str_free(&cmd);
}

/* ---- the matrix ---- */

static const msg_t messages[] = {
    {hdrs_unfolded, NHDRS(hdrs_unfolded), body_text, sizeof(body_text) - 1},
    {hdrs_folded, NHDRS(hdrs_folded), body_text, sizeof(body_text) - 1},
    {hdrs_unfolded, NHDRS(hdrs_unfolded), "", 0},
    {hdrs_folded, NHDRS(hdrs_folded), "", 0},
    {hdrs_folded, NHDRS(hdrs_folded), body_8bit, sizeof(body_8bit) - 1},
    {hdrs_unfolded, NHDRS(hdrs_unfolded), body_8bit, sizeof(body_8bit) - 1},
    {hdrs_folded, NHDRS(hdrs_folded), "\r\n\r\n", 4},
    {hdrs_folded, NHDRS(hdrs_folded), " x\r\n\r\n \r\n", 9},
    /* From here on, bodies without a final CRLF (impossible over SMTP).
       libopendkim 2.11 adds no CRLF to them in relaxed body canonicalization,
       against RFC 6376 3.4.4; dkimpy adds one, as we do. */
#define FIRST_NO_FINAL_CRLF 8
    {hdrs_unfolded, NHDRS(hdrs_unfolded), "no final newline  ", 18},
    {hdrs_folded, NHDRS(hdrs_folded), "abc\r\n \t", 7},
};
#define NMESSAGES (sizeof(messages) / sizeof(messages[0]))

static void check_all(const dkimkey_t *key, const char *record)
{
    static const size_t odd[] = {1, 7, 2, 13};

    for (size_t mi = 0; mi < NMESSAGES; mi++) {
        for (int hc = 0; hc < 2; hc++) {
            for (int bc = 0; bc < 2; bc++) {
                char label[160];
                str_t sig;
                DKIM_STAT st;

                str_init(&sig);
                snprintf(label, sizeof(label), "%s message %zu c=%s/%s", dkimkey_alg_name(key), mi,
                         dkimcanon_name((dkimcanon_t)hc), dkimcanon_name((dkimcanon_t)bc));
                sign(key, (dkimcanon_t)hc, (dkimcanon_t)bc, &messages[mi], odd, 4, &sig);
                st = opendkim_verify(record, sig.buf, &messages[mi]);
                if (!(mi >= FIRST_NO_FINAL_CRLF && bc == DKIMCANON_RELAXED) && st != DKIM_STAT_OK)
                    fail_msg("libopendkim: status %d for %s: %s", st, label, sig.buf);
                dkimpy_add(record, sig.buf, &messages[mi], true, label);
                str_free(&sig);
            }
        }
    }
    dkimpy_run();
}

static void rsa_all_canon_verify_with_opendkim_and_dkimpy(void **state)
{
    (void)state;
    check_all(rsa_key, rsa_record.buf);
}

static void ed25519_all_canon_verify_with_opendkim_and_dkimpy(void **state)
{
    (void)state;
    check_all(ed_key, ed_record.buf);
}

/* ---- one-byte changes ---- */

static void one_byte_change_fails(const dkimkey_t *key, const char *record)
{
    dkimsign_header_t h[NHDRS(hdrs_folded)];
    char subject[] = " A subject that was\n   folded  over\n\tthree lines ";
    char body[sizeof(body_text)];
    msg_t m = {h, NHDRS(h), body, sizeof(body) - 1};

    memcpy(h, hdrs_folded, sizeof(h));
    memcpy(body, body_text, sizeof(body));
    h[3].value = subject;
    for (int hc = 0; hc < 2; hc++) {
        for (int bc = 0; bc < 2; bc++) {
            str_t sig;

            str_init(&sig);
            sign(key, (dkimcanon_t)hc, (dkimcanon_t)bc, &m, NULL, 0, &sig);
            assert_int_equal(opendkim_verify(record, sig.buf, &m), DKIM_STAT_OK);
            subject[3] = 'X'; /* "A subject" -> "A Xubject" */
            assert_int_equal(opendkim_verify(record, sig.buf, &m), DKIM_STAT_BADSIG);
            dkimpy_add(record, sig.buf, &m, false, "changed Subject");
            subject[3] = 's';
            body[2] = 'L'; /* "Hello" -> "HeLlo" */
            assert_int_not_equal(opendkim_verify(record, sig.buf, &m), DKIM_STAT_OK);
            dkimpy_add(record, sig.buf, &m, false, "changed body");
            body[2] = 'l';
            dkimpy_add(record, sig.buf, &m, true, "restored message");
            str_free(&sig);
        }
    }
    dkimpy_run();
}

static void one_byte_change_in_header_or_body_fails_rsa(void **state)
{
    (void)state;
    one_byte_change_fails(rsa_key, rsa_record.buf);
}

static void one_byte_change_in_header_or_body_fails_ed25519(void **state)
{
    (void)state;
    one_byte_change_fails(ed_key, ed_record.buf);
}

/* An oversigned header added after signing breaks the signature. */
static void added_from_header_fails(void **state)
{
    dkimsign_header_t h[NHDRS(hdrs_unfolded) + 1];
    msg_t m = {hdrs_unfolded, NHDRS(hdrs_unfolded), body_text, sizeof(body_text) - 1};
    str_t sig;

    (void)state;
    str_init(&sig);
    sign(rsa_key, DKIMCANON_RELAXED, DKIMCANON_RELAXED, &m, NULL, 0, &sig);
    memcpy(h, hdrs_unfolded, sizeof(hdrs_unfolded));
    h[NHDRS(hdrs_unfolded)] = (dkimsign_header_t){"From", " mallory@example.com"};
    m.hdrs = h;
    m.nhdrs = NHDRS(h);
    assert_int_not_equal(opendkim_verify(rsa_record.buf, sig.buf, &m), DKIM_STAT_OK);
    str_free(&sig);
}

/* ---- a 5 MB body in odd chunks ---- */

static void big_body_in_odd_chunks_verifies(void **state)
{
    static const size_t chunks[] = {4093, 1, 65537, 2, 3, 8191, 1000003};
    size_t len = 5 * 1024 * 1024;
    char *body = mem_alloc(len);
    msg_t m = {hdrs_folded, NHDRS(hdrs_folded), body, len};

    (void)state;
    /* Lines of varying length with trailing blanks, runs of WSP, empty lines. */
    for (size_t i = 0, k = 0; i < len; k++) {
        size_t n = 1 + (k * 7919) % 97;
        for (size_t j = 0; j < n && i < len; j++)
            body[i++] = (j % 11 == 3 || j % 13 == 0) ? ' ' : (j % 17 == 5 ? '\t' : 'a' + (char)(j % 26));
        if (i + 2 <= len) {
            body[i++] = '\r';
            body[i++] = '\n';
        } else {
            while (i < len)
                body[i++] = '\n';
        }
    }
    body[len - 2] = '\r';
    body[len - 1] = '\n';
    for (int alg = 0; alg < 2; alg++) {
        for (int c = 0; c < 2; c++) {
            const dkimkey_t *key = alg == 0 ? rsa_key : ed_key;
            const char *rec = alg == 0 ? rsa_record.buf : ed_record.buf;
            str_t sig;

            str_init(&sig);
            sign(key, (dkimcanon_t)c, (dkimcanon_t)c, &m, chunks, 7, &sig);
            assert_int_equal(opendkim_verify(rec, sig.buf, &m), DKIM_STAT_OK);
            if (alg == c) /* dkimpy is slow on 5 MB: two of the four */
                dkimpy_add(rec, sig.buf, &m, true, "5 MB body");
            str_free(&sig);
        }
    }
    dkimpy_run();
    mem_free(&body);
}

/* ---- h=, tags and folding ---- */

/* The value unfolded: each CR LF TAB or LF TAB becomes one space. */
static void unfold(const char *v, str_t *out)
{
    for (; *v != '\0'; v++) {
        if (*v == '\r')
            continue;
        if (*v == '\n') {
            str_append_char(out, ' ');
            if (v[1] == '\t')
                v++;
            continue;
        }
        str_append_char(out, *v);
    }
}

static void tag_value(const char *sig, const char *tag, str_t *out)
{
    str_t u;
    const char *p, *e;
    size_t tl = strlen(tag);

    str_init(&u);
    unfold(sig, &u);
    for (p = u.buf; (p = strstr(p, tag)) != NULL; p++)
        if ((p == u.buf || p[-1] == ' ') && p[tl] == '=')
            break;
    assert_non_null(p);
    p += tl + 1;
    e = strchr(p, ';');
    /* Our tag values hold no spaces but folds: drop them. */
    for (; *p != '\0' && p != e; p++)
        if (*p != ' ')
            str_append_char(out, *p);
    str_free(&u);
}

static void h_tag_oversigns_and_expands_wildcards(void **state)
{
    static const dkimsign_header_t hdrs[] = {
        {"from", " a@example.net"}, {"To", " b@example.org"},  {"CC", " c@example.org"},
        {"Cc", " d@example.org"},   {"List-Id", " <l.x>"},      {"list-unsubscribe", " <mailto:u@x>"},
        {"Resent-From", " r@x"},    {"X-Other", " y"},          {"Received", " z"},
        {"Date", " Mon, 23 Nov 2026 11:00:00 +0000"},
    };
    msg_t m = {hdrs, NHDRS(hdrs), "", 0};
    str_t sig, h;

    (void)state;
    str_init(&sig);
    str_init(&h);
    sign(rsa_key, DKIMCANON_RELAXED, DKIMCANON_SIMPLE, &m, NULL, 0, &sig);
    tag_value(sig.buf, "h", &h);
    assert_string_equal(h.buf, "From:From:Reply-To:Subject:Date:To:To:Cc:Cc:Cc:List-Id:"
                               "list-unsubscribe:Resent-From");
    assert_int_equal(opendkim_verify(rsa_record.buf, sig.buf, &m), DKIM_STAT_OK);
    str_free(&sig);
    str_free(&h);
}

static void tags_t_x_i_and_line_length(void **state)
{
    static const char *const sign_list[] = {"From", "Subject", NULL};
    static const char *const over_list[] = {"From", NULL};
    msg_t m = {hdrs_folded, NHDRS(hdrs_folded), body_text, sizeof(body_text) - 1};
    dkimsign_params_t p = {.domain = "a-rather-long-subdomain.of.some-long-domain-name.example.net",
                           .selector = "selector-with-a-long-name-2026-11",
                           .header_canon = DKIMCANON_SIMPLE, .body_canon = DKIMCANON_SIMPLE,
                           .sign = sign_list, .oversign = over_list, .timestamp = 1795430000,
                           .expire = 86400, .identity = "@a-rather-long-subdomain.of.some-long-"
                                                        "domain-name.example.net"};
    unsigned char bh[32];
    const char *error = NULL;

    (void)state;
    for (int alg = 0; alg < 2; alg++) {
        for (int crlf = 0; crlf < 2; crlf++) {
            str_t sig, v;
            size_t col = strlen(DKIMSIGN_HEADER_NAME) + 1;

            p.key = alg == 0 ? rsa_key : ed_key;
            p.crlf = crlf;
            str_init(&sig);
            str_init(&v);
            body_hash(DKIMCANON_SIMPLE, &m, NULL, 0, bh);
            assert_int_equal(dkimsign_sign(&p, m.hdrs, m.nhdrs, bh, &sig, &error), 0);
            assert_int_equal(sig.buf[0], ' ');
            for (const char *c = sig.buf; *c != '\0'; c++) {
                if (*c == '\n')
                    col = 0;
                else if (*c != '\r')
                    col++;
                assert_true(col <= DKIMSIGN_LINE_MAX);
                if (*c == '\n')
                    assert_int_equal(c[1], '\t');
                if (*c == '\r')
                    assert_true(crlf && c[1] == '\n');
                if (*c == '\n' && !crlf)
                    assert_int_not_equal(c[-1], '\r');
            }
            tag_value(sig.buf, "t", &v);
            assert_string_equal(v.buf, "1795430000");
            str_clear(&v);
            tag_value(sig.buf, "x", &v);
            assert_string_equal(v.buf, "1795516400");
            str_clear(&v);
            tag_value(sig.buf, "h", &v);
            assert_string_equal(v.buf, "From:From:Subject");
            str_clear(&v);
            tag_value(sig.buf, "i", &v);
            assert_string_equal(v.buf, p.identity);
            str_clear(&v);
            tag_value(sig.buf, "a", &v);
            assert_string_equal(v.buf, dkimkey_alg_name(p.key));
            /* libopendkim checks x= against now: fine until 2026-11-24. */
            str_free(&v);
            str_free(&sig);
        }
    }
}

static void bad_parameters_are_refused(void **state)
{
    static const char *const bad_list[] = {"From", "Bad Name", NULL};
    static const struct {
        const char *domain, *selector, *identity;
        const char *const *sign;
    } cases[] = {
        {"", "sel", NULL, NULL},          {"example.net", "", NULL, NULL},
        {"exa;mple.net", "s", NULL, NULL}, {"example.net", "s el", NULL, NULL},
        {"example.net", "s", "a b@x", NULL}, {"example.net", "s", "a;b", NULL},
        {"example.net", "s", NULL, bad_list},
    };
    unsigned char bh[32] = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dkimsign_params_t p = {.domain = cases[i].domain, .selector = cases[i].selector,
                               .identity = cases[i].identity, .sign = cases[i].sign,
                               .key = rsa_key};
        const char *error = NULL;
        str_t out;

        str_init(&out);
        assert_int_equal(dkimsign_sign(&p, hdrs_unfolded, NHDRS(hdrs_unfolded), bh, &out, &error),
                         -1);
        assert_non_null(error);
        assert_int_equal(out.len, 0);
        str_free(&out);
    }
}

static void too_many_headers_to_sign_is_an_error(void **state)
{
    size_t n = DKIMSIGN_MAX_SIGNED + 5;
    dkimsign_header_t *h = mem_array(n, sizeof(*h));
    unsigned char bh[32] = {0};
    dkimsign_params_t p = {.domain = "example.net", .selector = "s", .key = ed_key};
    const char *error = NULL;
    str_t out;

    (void)state;
    for (size_t i = 0; i < n; i++)
        h[i] = (dkimsign_header_t){"Resent-To", " x@example.net"};
    str_init(&out);
    assert_int_equal(dkimsign_sign(&p, h, n, bh, &out, &error), -1);
    assert_string_equal(error, "too many header fields to sign");
    str_free(&out);
    mem_free(&h);
}

/* ---- threads share one key ---- */

typedef struct thread_arg {
    const dkimkey_t *key;
    const char *expect;
    int bad;
} thread_arg_t;

static void *thread_sign(void *v)
{
    thread_arg_t *a = v;
    dkimsign_params_t p = {.domain = "example.net", .selector = "sel", .key = a->key,
                           .header_canon = DKIMCANON_RELAXED, .body_canon = DKIMCANON_RELAXED,
                           .timestamp = 1795430000};
    unsigned char bh[32] = {1, 2, 3};
    const char *error = NULL;

    for (int i = 0; i < 100; i++) {
        str_t out;

        str_init(&out);
        if (dkimsign_sign(&p, hdrs_unfolded, NHDRS(hdrs_unfolded), bh, &out, &error) < 0 ||
            strcmp(out.buf, a->expect) != 0)
            a->bad++;
        str_free(&out);
    }
    return NULL;
}

/* RSA PKCS#1 v1.5 and Ed25519 are deterministic: every thread must get
   exactly the signature made before the threads started. */
static void threads_share_one_key(void **state)
{
    for (int alg = 0; alg < 2; alg++) {
        thread_arg_t args[4];
        pthread_t t[4];
        str_t expect;
        unsigned char bh[32] = {1, 2, 3};
        const char *error = NULL;
        dkimsign_params_t p = {.domain = "example.net", .selector = "sel",
                               .key = alg == 0 ? rsa_key : ed_key,
                               .header_canon = DKIMCANON_RELAXED,
                               .body_canon = DKIMCANON_RELAXED, .timestamp = 1795430000};

        (void)state;
        str_init(&expect);
        assert_int_equal(
            dkimsign_sign(&p, hdrs_unfolded, NHDRS(hdrs_unfolded), bh, &expect, &error), 0);
        for (int i = 0; i < 4; i++) {
            args[i] = (thread_arg_t){p.key, expect.buf, 0};
            assert_int_equal(pthread_create(&t[i], NULL, thread_sign, &args[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
            assert_int_equal(pthread_join(t[i], NULL), 0);
            assert_int_equal(args[i].bad, 0);
        }
        str_free(&expect);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rsa_all_canon_verify_with_opendkim_and_dkimpy),
        cmocka_unit_test(ed25519_all_canon_verify_with_opendkim_and_dkimpy),
        cmocka_unit_test(one_byte_change_in_header_or_body_fails_rsa),
        cmocka_unit_test(one_byte_change_in_header_or_body_fails_ed25519),
        cmocka_unit_test(added_from_header_fails),
        cmocka_unit_test(big_body_in_odd_chunks_verifies),
        cmocka_unit_test(h_tag_oversigns_and_expands_wildcards),
        cmocka_unit_test(tags_t_x_i_and_line_length),
        cmocka_unit_test(bad_parameters_are_refused),
        cmocka_unit_test(too_many_headers_to_sign_is_an_error),
        cmocka_unit_test(threads_share_one_key),
    };

    return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
