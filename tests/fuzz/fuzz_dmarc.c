/*
 * fuzz_dmarc.c - libFuzzer target over lib/auth's DMARC parsers: the
 * record (dmarc_record), the Author Domains of From header fields
 * (dmarc_from, on lib/mail/addr and libidn2) and the names of a tree walk
 * (dmarc_walk_names).  The whole input is tried as a record and as one From
 * field; split at NUL bytes, as several From fields.  Invariants checked
 * (abort on violation):
 *   - dmarc_record_parse succeeds exactly when dmarc_record_is_dmarc1 says
 *     so; then every enum is in range, a valid tag is never also invalid,
 *     rua_valid implies rua, the copy equals the record, and a second parse
 *     gives the same record;
 *   - every Author Domain is a well-formed DNS name, in lower case, without
 *     a byte >= 0x80 or a trailing dot, and listed once, at most the limit
 *     given (truncated set when there were more); a field whose domains
 *     all parse adds no more domains than mailboxes; with several fields
 *     the domains are those of the fields one by one, merged;
 *   - a walk asks for at most DMARC_MAX_WALK names, each a parent of the
 *     one before and the first being the domain itself, the last its top
 *     label.
 */
#include "config.h"

#include "fuzz.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_from.h"
#include "auth/dmarc_record.h"
#include "auth/dmarc_walk.h"
#include "dns/dnsname.h"
#include "core/mem.h"

static bool same_str(const char *a, const char *b)
{
    return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

static void check_same(const dmarc_record *a, const dmarc_record *b)
{
    CHECK(a->has_p == b->has_p && a->has_sp == b->has_sp && a->has_np == b->has_np);
    CHECK(a->p_invalid == b->p_invalid && a->sp_invalid == b->sp_invalid &&
          a->np_invalid == b->np_invalid);
    CHECK(a->p == b->p && a->sp == b->sp && a->np == b->np && a->psd == b->psd);
    CHECK(a->testing == b->testing && a->adkim_strict == b->adkim_strict &&
          a->aspf_strict == b->aspf_strict && a->rua_valid == b->rua_valid);
    CHECK(same_str(a->rua, b->rua) && same_str(a->ruf, b->ruf) && same_str(a->fo, b->fo));
}

static void check_record(const char *in, size_t len)
{
    const char *why = NULL;
    dmarc_record r, again, copy;
    int rc = dmarc_record_parse(in, len, &r, &why);

    CHECK((rc == 0) == dmarc_record_is_dmarc1(in, len));
    if (rc < 0) {
        CHECK(why != NULL && why[0] != '\0');
        dmarc_record_free(&r);
        return;
    }
    CHECK(r.p <= DMARC_POLICY_REJECT && r.sp <= DMARC_POLICY_REJECT &&
          r.np <= DMARC_POLICY_REJECT && r.psd <= DMARC_PSD_N);
    CHECK(!(r.has_p && r.p_invalid) && !(r.has_sp && r.sp_invalid) && !(r.has_np && r.np_invalid));
    CHECK(!r.rua_valid || r.rua != NULL);
    CHECK(strcmp(dmarc_policy_name(r.p), "?") != 0);
    dmarc_record_copy(&r, &copy);
    check_same(&r, &copy);
    CHECK(dmarc_record_parse(in, len, &again, &why) == 0);
    check_same(&r, &again);
    dmarc_record_free(&again);
    dmarc_record_free(&copy);
    dmarc_record_free(&r);
}

static void check_walk(const char *domain)
{
    const char *names[DMARC_MAX_WALK];
    size_t n = dmarc_walk_names(domain, names);

    CHECK(n >= 1 && n <= DMARC_MAX_WALK);
    CHECK(names[0] == domain);
    CHECK(strchr(names[n - 1], '.') == NULL);
    for (size_t i = 1; i < n; i++) {
        CHECK(strlen(names[i]) < strlen(names[i - 1]));
        CHECK(dnsname_within(names[i - 1], names[i]));
    }
}

static void check_authors(const dmarc_authors *a)
{
    for (size_t i = 0; i < a->n; i++) {
        const char *d = a->domain[i];
        size_t len = strlen(d);

        CHECK(dnsname_well_formed(d, len) && d[len - 1] != '.');
        for (size_t k = 0; k < len; k++)
            CHECK((unsigned char)d[k] < 0x80 && !isupper((unsigned char)d[k]));
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(a->domain[j], d) != 0);
        check_walk(d);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = mem_strndup((const char *)data, size);
    const char *fields[8];
    size_t nfields = 0, total = 0;
    dmarc_authors one, many;

    check_record((const char *)data, size);
    dmarc_authors_of((const char *const *)&text, 1, 64, &one);
    check_authors(&one);
    CHECK(one.n <= 64 && (!one.truncated || one.n == 64));
    if (!one.unparseable && !one.truncated)
        CHECK(one.n + one.unusable <= one.mailboxes);
    dmarc_authors_free(&one);
    for (size_t i = 0; i < size && nfields < 8; i++) { /* NUL-separated fields */
        fields[nfields++] = (const char *)data + i;
        while (i < size && data[i] != '\0')
            i++;
    }
    if (nfields > 1 && data[size - 1] == '\0') {
        dmarc_authors_of(fields, nfields, 64, &many);
        check_authors(&many);
        CHECK(many.fields == nfields);
        for (size_t f = 0; f < nfields; f++) {
            dmarc_authors_of(&fields[f], 1, 64, &one);
            total += one.n;
            for (size_t k = 0; k < one.n && !many.truncated; k++) {
                bool found = false;

                for (size_t j = 0; j < many.n; j++)
                    found |= strcmp(many.domain[j], one.domain[k]) == 0;
                CHECK(found);
            }
            dmarc_authors_free(&one);
        }
        CHECK(many.n <= total);
        dmarc_authors_free(&many);
    }
    mem_free(&text);
    return 0;
}
