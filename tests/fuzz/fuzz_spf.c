/*
 * fuzz_spf.c - libFuzzer target over lib/auth's SPF parsers: the record
 * (spf_record), macro strings (spf_macro) and the query form of names
 * (dname).  The whole input is tried as a record; the input after a first
 * NUL (or the whole of it) as a macro string and as a name.  Invariants
 * checked (abort on violation):
 *   - spf_record_parse fails with "not an SPF record" exactly when
 *     spf_record_is_spf1 says no, and otherwise gives a reason on failure;
 *     on success every span (term, domain-spec, redirect, exp) lies inside
 *     the input, qualifiers are + - ~ ?, prefix lengths are in range, ip4
 *     networks are IPv4-mapped, host bits are clear; writing the terms back
 *     after "v=spf1" parses again to the same terms (idempotence);
 *   - a macro string that passes spf_macro_check expands (or is refused
 *     only as too long), to at most SPF_MACRO_MAX_OUT bytes, twice the
 *     same; one without '%' expands to itself; a string that fails the
 *     check fails to expand;
 *   - dnsname_query_form succeeds exactly for well-formed names, writes only
 *     letters, digits, '-', '_', '.' and \DDD escapes, and unescapes back
 *     to the name without its trailing dot.
 */
#include "config.h"

#include "fuzz.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsname.h"
#include "auth/spf_macro.h"
#include "auth/spf_record.h"
#include "core/cidr.h"
#include "core/mem.h"
#include "core/str.h"

static bool inside(const spf_span *s, const char *base, size_t len)
{
    return s->p == NULL || (s->p >= base && s->p + s->len <= base + len);
}

static void check_terms_equal(const spf_record *a, const spf_record *b)
{
    CHECK(a->nterms == b->nterms);
    for (size_t i = 0; i < a->nterms; i++) {
        const spf_term *x = &a->terms[i], *y = &b->terms[i];

        CHECK(x->mech == y->mech && x->qualifier == y->qualifier);
        CHECK(x->cidr4 == y->cidr4 && x->cidr6 == y->cidr6);
        CHECK(memcmp(&x->net, &y->net, sizeof x->net) == 0);
        CHECK(x->domain.len == y->domain.len);
        CHECK(x->domain.len == 0 || memcmp(x->domain.p, y->domain.p, x->domain.len) == 0);
    }
    CHECK((a->redirect.p == NULL) == (b->redirect.p == NULL));
    CHECK((a->exp.p == NULL) == (b->exp.p == NULL));
}

static void check_record(const char *in, size_t len)
{
    const char *why = NULL;
    spf_record r, again;
    spf_span bad;
    str_t text;

    if (spf_record_parse(in, len, &r, &bad, &why) < 0) {
        CHECK(why != NULL && why[0] != '\0');
        CHECK((strcmp(why, "not an SPF record (v=spf1)") == 0) == !spf_record_is_spf1(in, len));
        CHECK(inside(&bad, in, len));
        spf_record_free(&r);
        return;
    }
    CHECK(spf_record_is_spf1(in, len));
    CHECK(inside(&r.redirect, in, len) && inside(&r.exp, in, len));
    str_init(&text);
    str_append_cstr(&text, "v=spf1");
    for (size_t i = 0; i < r.nterms; i++) {
        const spf_term *t = &r.terms[i];

        CHECK(strchr("+-~?", t->qualifier) != NULL && t->qualifier != '\0');
        CHECK(inside(&t->text, in, len) && inside(&t->domain, in, len));
        CHECK(t->net.bits <= 128);
        if (t->mech == SPF_MECH_IP4)
            CHECK(cidr_addr_is_v4(&t->net.addr) && t->net.bits >= 96);
        for (unsigned b = t->net.bits; b < 128; b++)
            CHECK(!(t->net.addr.b[b / 8] & (0x80u >> (b % 8))));
        if (t->mech == SPF_MECH_A || t->mech == SPF_MECH_MX)
            CHECK(t->cidr4 <= 32 && t->cidr6 <= 128);
        str_append_char(&text, ' ');
        str_append(&text, t->text.p, t->text.len);
    }
    if (r.redirect.p != NULL) {
        str_append_cstr(&text, " redirect=");
        str_append(&text, r.redirect.p, r.redirect.len);
    }
    if (r.exp.p != NULL) {
        str_append_cstr(&text, " exp=");
        str_append(&text, r.exp.p, r.exp.len);
    }
    CHECK(spf_record_parse(text.buf, text.len, &again, NULL, &why) == 0);
    check_terms_equal(&r, &again);
    spf_record_free(&again);
    spf_record_free(&r);
    str_free(&text);
}

static const char *validated(void *ctx)
{
    (void)ctx;
    return "mx.example.org";
}

static void check_macro(const char *in, size_t len)
{
    cidr_addr ip;
    spf_macro_env env = {
        .sender = "strong-bad@email.example.com",
        .local = "strong-bad",
        .sender_domain = "email.example.com",
        .domain = "email.example.com",
        .ip = &ip,
        .helo = "mx.example.org",
        .receiver = "receiver.example",
        .validated_name = validated,
    };
    const char *why = NULL, *why2 = NULL;
    spf_macro_shape shape;
    str_t a, b;
    int ok;

    if (cidr_addr_parse(len % 2 ? "2001:db8::cb01" : "192.0.2.3", &ip) < 0)
        abort();
    for (unsigned flags = 0; flags <= SPF_MACRO_EXP_LETTERS; flags++) {
        ok = spf_macro_check(in, len, flags, &shape, &why) == 0;
        str_init(&a);
        str_init(&b);
        if (!ok) {
            CHECK(spf_macro_expand(in, len, flags, &env, &a, &why) < 0);
        } else {
            CHECK(shape.literal_tail <= len);
            if (spf_macro_expand(in, len, flags, &env, &a, &why) < 0) {
                CHECK(strstr(why, "too long") != NULL && a.len == 0);
            } else {
                CHECK(a.len <= SPF_MACRO_MAX_OUT);
                if (memchr(in, '%', len) == NULL)
                    CHECK(a.len == len && memcmp(a.buf, in, len) == 0);
                /* %{t} may tick between two expansions: compare without it */
                if (memmem(in, len, "{t", 2) == NULL && memmem(in, len, "{T", 2) == NULL) {
                    CHECK(spf_macro_expand(in, len, flags, &env, &b, &why2) == 0);
                    CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
                }
            }
        }
        str_free(&a);
        str_free(&b);
    }
}

static void check_name(const char *in, size_t len)
{
    bool well = dnsname_well_formed(in, len);
    str_t q, back;

    str_init(&q);
    str_init(&back);
    CHECK((dnsname_query_form(in, len, &q) == 0) == well);
    if (!well) {
        CHECK(q.len == 0);
    } else {
        for (size_t i = 0; i < q.len; i++) {
            unsigned char c = (unsigned char)q.buf[i];

            if (c == '\\') {
                CHECK(i + 3 < q.len + 1 && isdigit((unsigned char)q.buf[i + 1]) &&
                      isdigit((unsigned char)q.buf[i + 2]) && isdigit((unsigned char)q.buf[i + 3]));
                str_append_char(&back, (char)((q.buf[i + 1] - '0') * 100 +
                                              (q.buf[i + 2] - '0') * 10 + (q.buf[i + 3] - '0')));
                i += 3;
                continue;
            }
            CHECK(c < 0x80 && (isalnum(c) || c == '-' || c == '_' || c == '.'));
            str_append_char(&back, (char)c);
        }
        CHECK(back.len == len - (in[len - 1] == '.'));
        CHECK(memcmp(back.buf, in, back.len) == 0);
    }
    str_free(&q);
    str_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nul = memchr(in, '\0', size);
    const char *second = nul ? nul + 1 : in;
    size_t second_len = nul ? size - (size_t)(second - in) : size;

    check_record(in, size);
    check_macro(second, second_len);
    check_name(second, second_len);
    return 0;
}
