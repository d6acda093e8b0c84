/*
 * test_dkim_verify.c - unit tests of milters/dkim/dkim_verify: the verdict
 * and reason of each fixed message of tests/data/dkim/verify (written once
 * by its make-corpus.py with python3-dkim), one line per case.
 *
 * The keys come through the lookup function dkim_verifier_new() takes:
 * here a table (lookup_table below) that stands for DNS: name -> records
 * (several for an RRset of several records), or NOTFOUND / TEMPFAIL.  The
 * records are built from the key files the messages were signed with.
 * Also: a message signed here by dkim_sign (milterkit-dkim's signer)
 * verifies (round trip), and a signature edited after signing fails.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "dkim/dkimkey.h"
#include "dkim_fixture.h"
#include "dkim_sign.h"
#include "dkim_verify.h"

#ifndef DKIM_TEST_DATA
#define DKIM_TEST_DATA "tests/data/dkim"
#endif

/* ---- the table that stands for DNS ---- */

#define MAX_RECS 3

typedef struct lookup_entry {
    const char *name;
    dns_status status;
    const char *recs[MAX_RECS]; /* "RSA", "ED", ...: the public key records */
    const char *suffix;         /* tags put before p= */
} lookup_entry;

static const lookup_entry lookup_table[] = {
    {"rsa._domainkey.example.org", DNS_FOUND, {"RSA"}, ""},
    {"rsa1._domainkey.example.net", DNS_FOUND, {"RSA"}, ""},
    {"ed1._domainkey.example.net", DNS_FOUND, {"ED"}, ""},
    {"ed._domainkey.example.org", DNS_FOUND, {"ED-DKIMPY"}, ""},
    {"k1024._domainkey.example.org", DNS_FOUND, {"K1024"}, ""},
    {"test._domainkey.example.org", DNS_FOUND, {"RSA"}, "t=y; "},
    {"two._domainkey.example.org", DNS_FOUND, {"RSA", "RSA"}, ""},
    {"dupkey._domainkey.example.org", DNS_FOUND, {"RSA"}, "k=rsa; "},
    {"slow._domainkey.example.org", DNS_TEMPFAIL, {NULL}, ""},
};

/* The key records of the test keys: "v=DKIM1; k=TYPE; p=...". */
static struct {
    const char *which, *file;
    str_t rec;
} records[] = {
    {.which = "RSA", .file = "rsa2048-pkcs1.pem"},
    {.which = "ED", .file = "ed25519-pkcs8.pem"},
    {.which = "ED-DKIMPY", .file = "ed25519-dknewkey.key"},
    {.which = "K1024", .file = "rsa1024.pem"},
};

static const str_t *record_of(const char *which)
{
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        if (strcmp(records[i].which, which) == 0)
            return &records[i].rec;
    fail_msg("no record %s", which);
    return NULL;
}

static dns_status lookup(void *ctx, const char *name, const dns_budget *budget, dns_txts *out)
{
    (void)ctx;
    if (dns_budget_spent(budget)) { /* as lib/dns answers then */
        out->info.why = DNS_WHY_BUDGET;
        return DNS_TEMPFAIL;
    }
    for (size_t i = 0; i < sizeof lookup_table / sizeof lookup_table[0]; i++) {
        const lookup_entry *e = &lookup_table[i];

        if (strcmp(e->name, name) != 0)
            continue;
        if (e->status != DNS_FOUND) {
            out->info.why = "test: temporary failure";
            return e->status;
        }
        for (size_t k = 0; k < MAX_RECS && e->recs[k] != NULL; k++) {
            const str_t *r = record_of(e->recs[k]);
            const char *p = strstr(r->buf, "p=");
            str_t rec;

            str_init(&rec);
            str_append(&rec, r->buf, (size_t)(p - r->buf));
            str_append_cstr(&rec, e->suffix);
            str_append_cstr(&rec, p);
            out->len[out->count] = rec.len;
            out->rec[out->count++] = str_steal(&rec);
            str_free(&rec);
        }
        return DNS_FOUND;
    }
    out->info.why = "test: no such record";
    return DNS_NOTFOUND;
}

static void load_record(const char *file, str_t *out)
{
    char path[512];
    dkimkey_t *key = NULL;
    const char *error = NULL;
    str_t why;

    str_init(&why);
    snprintf(path, sizeof path, "%s/%s", DKIM_TEST_DATA, file);
    if (dkimkey_load_file(path, false, &key, &why) < 0)
        fail_msg("%s: %s", path, why.buf);
    str_init(out);
    str_printf(out, "v=DKIM1; k=%s; p=", dkimkey_type_name(key));
    assert_int_equal(dkimkey_public_dns(key, out, &error), 0);
    dkimkey_free(&key);
    str_free(&why);
}

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        load_record(records[i].file, &records[i].rec);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        str_free(&records[i].rec);
    return 0;
}

/* ---- running a message through a verifier ---- */

typedef struct outcome {
    dkim_res res;      /* of the first signature; DKIM_RES_NONE when unsigned */
    size_t n;
    str_t reason, i;
} outcome;

/* Feeds raw (a message with CRLF lines) as libmilter would: values with
 * their leading space, folds as they are; the body in 3 chunks. */
static void verify_within(const dkim_settings *s, const char *raw, size_t len,
                          const dns_budget *budget, outcome *o)
{
    dkim_verifier *vl = NULL;
    dkim_vmsg *v;
    const char *end = raw + len, *p = raw;
    const dkim_vresult *res = NULL;
    size_t n = 0, skipped = 0;
    str_t errors;

    str_init(&errors);
    assert_int_equal(dkim_verifier_new(s, lookup, NULL, &vl, &errors), 0);
    v = dkim_verify_start(vl, "QUNIT");
    assert_non_null(v);
    while (p < end && !(p[0] == '\r' && p[1] == '\n')) {
        const char *colon = memchr(p, ':', (size_t)(end - p)), *e = colon;
        char *name, *value;

        assert_non_null(colon);
        do /* the field ends at a CRLF not followed by white space */
            e = strstr(e, "\r\n");
        while (e != NULL && (e[2] == ' ' || e[2] == '\t') && (e += 2));
        assert_non_null(e);
        name = mem_strndup(p, (size_t)(colon - p));
        value = mem_strndup(colon + 1, (size_t)(e - colon - 1));
        assert_int_equal(dkim_verify_header(v, name, value), 0);
        mem_free(&name);
        mem_free(&value);
        p = e + 2;
    }
    assert_int_equal(dkim_verify_eoh(v), 0);
    p += 2;
    for (int k = 0; k < 3; k++) {
        size_t left = (size_t)(end - p), chunk = k < 2 ? left / 3 : left;

        assert_int_equal(dkim_verify_body(v, (const unsigned char *)p, chunk), 0);
        p += chunk;
    }
    assert_int_equal(dkim_verify_finish(v, budget, &res, &n, &skipped), 0);
    o->n = n;
    o->res = n > 0 ? res[0].res : DKIM_RES_NONE;
    str_init(&o->reason);
    str_init(&o->i);
    if (n > 0 && res[0].reason != NULL)
        str_append_cstr(&o->reason, res[0].reason);
    if (n > 0 && res[0].i != NULL)
        str_append_cstr(&o->i, res[0].i);
    dkim_verify_free(&v);
    dkim_verifier_free(&vl);
    str_free(&errors);
}

static void verify(const dkim_settings *s, const char *raw, size_t len, outcome *o)
{
    verify_within(s, raw, len, NULL, o);
}

static char *read_file(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    str_t s;
    char buf[4096];
    size_t n;

    snprintf(path, sizeof path, "%s/verify/%s.eml", DKIM_TEST_DATA, name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot read %s", path);
    str_init(&s);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        str_append(&s, buf, n);
    fclose(f);
    *len = s.len;
    return str_steal(&s);
}

/* ---- the verdicts ---- */

static const struct verdict_case {
    const char *file;
    long min_bits;      /* 0: 1024 */
    const char *tail;   /* unsigned_tail; NULL: "policy" */
    dkim_res want;
    const char *reason; /* text the reason holds; NULL: no reason */
    const char *i;      /* header.i as reported; NULL: not checked */
} verdict_cases[] = {
    {"pass-rsa", 0, NULL, DKIM_RES_PASS, NULL, "@example.org"},
    {"pass-ed25519", 0, NULL, DKIM_RES_PASS, NULL, NULL},
    {"rsa-sha1", 0, NULL, DKIM_RES_PERMERROR, "rsa-sha1 is historic", NULL},
    {"small-key", 0, NULL, DKIM_RES_PASS, NULL, NULL},
    {"small-key", 2048, NULL, DKIM_RES_POLICY, "key too small", NULL},
    {"testing", 0, NULL, DKIM_RES_POLICY, "key in testing mode (t=y)", NULL},
    {"q-unknown", 0, NULL, DKIM_RES_PERMERROR, "no known query method in q=", NULL},
    {"i-twice", 0, NULL, DKIM_RES_PERMERROR, "tag i= occurs twice", NULL},
    {"i-qp", 0, NULL, DKIM_RES_FAIL, "signature did not verify", "jlong@example.org"},
    {"l-full", 0, NULL, DKIM_RES_PASS, NULL, NULL},
    {"l-tail", 0, NULL, DKIM_RES_POLICY, "l= leaves 23 of 37 body bytes unsigned", NULL},
    {"l-tail", 0, "pass", DKIM_RES_PASS, "l= leaves 23 of 37 body bytes unsigned", NULL},
    {"two-records", 0, NULL, DKIM_RES_PERMERROR, "several key records", NULL},
    {"dup-key-tag", 0, NULL, DKIM_RES_PERMERROR, "a tag occurs twice in the key record", NULL},
    {"no-key", 0, NULL, DKIM_RES_PERMERROR, NULL, NULL},
    {"tempfail", 0, NULL, DKIM_RES_TEMPERROR, "test: temporary failure", NULL},
    {"body-changed", 0, NULL, DKIM_RES_FAIL, "body hash did not verify", NULL},
    {"unsigned", 0, NULL, DKIM_RES_NONE, NULL, NULL},
};

static void test_verdicts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof verdict_cases / sizeof verdict_cases[0]; i++) {
        const struct verdict_case *t = &verdict_cases[i];
        dkim_settings s = {.min_key_bits = t->min_bits ? t->min_bits : 1024,
                           .max_signatures = 5,
                           .unsigned_tail = t->tail && strcmp(t->tail, "pass") == 0
                                                ? DKIM_TAIL_PASS
                                                : DKIM_TAIL_POLICY};
        size_t len;
        char *raw = read_file(t->file, &len);
        outcome o;

        verify(&s, raw, len, &o);
        if (o.res != t->want || (t->reason == NULL && t->want == DKIM_RES_PASS && o.reason.len) ||
            (t->reason != NULL && strstr(o.reason.buf, t->reason) == NULL) ||
            (t->i != NULL && strcmp(o.i.buf, t->i) != 0))
            fail_msg("%s: %s (%s) i=%s, want %s (%s)", t->file, dkim_res_name(o.res),
                     o.reason.buf, o.i.buf, dkim_res_name(t->want), t->reason ? t->reason : "");
        str_free(&o.reason);
        str_free(&o.i);
        mem_free(&raw);
    }
}

/* The key lookup gets the message's budget: once it is spent the
 * signature is temperror, with the reason saying so. */
static void test_budget_reaches_key_lookup(void **state)
{
    dkim_settings s = {.min_key_bits = 1024, .max_signatures = 5};
    dns_budget spent = {.deadline_ns = 1}, ample = dns_budget_in(60000);
    size_t len;
    char *raw = read_file("pass-rsa", &len);
    outcome o;

    (void)state;
    verify_within(&s, raw, len, &spent, &o);
    assert_int_equal(o.res, DKIM_RES_TEMPERROR);
    assert_string_equal(o.reason.buf, DNS_WHY_BUDGET);
    str_free(&o.reason);
    str_free(&o.i);
    verify_within(&s, raw, len, &ample, &o);
    assert_int_equal(o.res, DKIM_RES_PASS);
    str_free(&o.reason);
    str_free(&o.i);
    mem_free(&raw);
}

/* ---- round trip through milterkit-dkim's own signer ---- */

static const struct round_case {
    const char *body;
    const char *canon; /* canonicalization setting */
    const char *edit;  /* a change after signing ("" none): first byte of the body */
    dkim_res want;
} round_cases[] = {
    {"Hello.\r\n", "relaxed/relaxed", "", DKIM_RES_PASS},
    {"Hello.\r\n", "simple/simple", "", DKIM_RES_PASS},
    {"a \t b  \r\n\r\n\r\n", "relaxed/simple", "", DKIM_RES_PASS},
    {"Hello.\r\n", "relaxed/relaxed", "J", DKIM_RES_FAIL},
};

static void test_round_trip(void **state)
{
    hdrfield h[] = {{.name = "From", .value = " Ann <ann@example.net>"},
                    {.name = "To", .value = " x@example.org"},
                    {.name = "Subject", .value = " round\n trip"}};

    (void)state;
    for (size_t i = 0; i < sizeof round_cases / sizeof round_cases[0]; i++) {
        const struct round_case *t = &round_cases[i];
        char extra[80];
        daemon_conf *c;
        dkim_sign *g = NULL;
        str_t why, sigs, msg;
        outcome o;

        snprintf(extra, sizeof extra, "canonicalization = \"%s\";", t->canon);
        c = fixture_load(extra, NULL);
        str_init(&why);
        str_init(&sigs);
        str_init(&msg);
        assert_int_equal(dkim_sign_prepare(fixture_policy(c), h, 3, false, &g, &why),
                         DKIM_SIGN_YES);
        dkim_sign_body(g, t->body, strlen(t->body));
        assert_int_equal(dkim_sign_finish(g, "QUNIT", &sigs, &why), DKIM_SIGN_YES);
        /* the first signature (RSA) on top, folds as CRLF */
        str_append_cstr(&msg, "DKIM-Signature:");
        for (const char *p = sigs.buf; *p; p++) {
            if (*p == '\n')
                str_append_char(&msg, '\r');
            str_append_char(&msg, *p);
        }
        str_append_cstr(&msg, "\r\nFrom: Ann <ann@example.net>\r\nTo: x@example.org\r\n"
                              "Subject: round\r\n trip\r\n\r\n");
        if (*t->edit)
            str_append_cstr(&msg, t->edit);
        str_append_cstr(&msg, t->body + (*t->edit ? 1 : 0));
        verify(&(dkim_settings){.min_key_bits = 1024, .max_signatures = 5,
                                .unsigned_tail = DKIM_TAIL_POLICY},
               msg.buf, msg.len, &o);
        if (o.res != t->want)
            fail_msg("round trip %zu (%s): %s (%s)", i, t->canon, dkim_res_name(o.res),
                     o.reason.buf);
        str_free(&o.reason);
        str_free(&o.i);
        dkim_sign_free(&g);
        fixture_free(&c);
        str_free(&why);
        str_free(&sigs);
        str_free(&msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_budget_reaches_key_lookup),
        cmocka_unit_test(test_round_trip),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
