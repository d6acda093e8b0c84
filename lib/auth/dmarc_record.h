/*
 * dmarc_record.h - one DMARC Policy Record (RFC 9989 sections 4.7, 4.8),
 * parsed.  The RFC 9989 text followed is that of its last draft,
 * draft-ietf-dmarc-dmarcbis-41, whose section numbers it keeps.
 *
 *   dmarc-record = dmarc-version *(dmarc-sep dmarc-tag) [dmarc-sep]
 *   dmarc-version = "v" equals %s"DMARC1"          (first, case-sensitive)
 *   dmarc-sep = *WSP ";" *WSP     equals = *WSP "=" *WSP
 *   dmarc-tag = 1*ALPHA equals 1*dmarc-value       (%x20-3A / %x3C-7E)
 *
 * A TXT record is a DMARC record only when its first tag is v=DMARC1
 * (dmarc_record_is_dmarc1); anything else is discarded by the caller
 * (4.7, 4.10 step 2).  Within a DMARC record (4.8: "Syntax errors in the
 * remainder of the record MUST be discarded in favor of default values (if
 * any) or ignored outright"):
 *   - tags p, sp, np (none / quarantine / reject), t (y / n), psd (y / n /
 *     u), adkim and aspf (r / s) take their value; a value outside its set,
 *     or a tag given twice (DKIM's tag-list rule, RFC 6376 3.2, which DMARC
 *     records follow), is a syntax error: the tag is dropped and its
 *     default applies; for p, sp and np the drop is remembered (*_invalid),
 *     because 4.10.1 says what to do then;
 *   - rua, ruf and fo are kept as written (reports are not our business
 *     here) and rua_valid tells whether rua holds at least one URI of valid
 *     syntax (4.10.1 needs it);
 *   - pct, rf, ri (RFC 7489, removed by RFC 9989 Appendix C.5.2) and every
 *     unknown tag are ignored (4.7: "unknown tags MUST be ignored");
 *   - tag names and the values of the tags above are matched without
 *     regard to case (ABNF strings, RFC 5234 2.3); "DMARC1" must match
 *     exactly (%s).
 * A text that is not tag=value; at all past "v=DMARC1" keeps the defaults:
 * parsing never fails once the version matched.
 *
 * Reentrant; the record owns its strings.
 */
#ifndef MK_DMARC_RECORD_H
#define MK_DMARC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

typedef enum dmarc_policy {
    DMARC_POLICY_NONE,
    DMARC_POLICY_QUARANTINE,
    DMARC_POLICY_REJECT,
} dmarc_policy;

typedef enum dmarc_psd {
    DMARC_PSD_U, /* default: use the tree walk */
    DMARC_PSD_Y, /* a public suffix domain */
    DMARC_PSD_N, /* an organizational domain for itself and below */
} dmarc_psd;

typedef struct dmarc_record {
    bool has_p, has_sp, has_np;             /* valid tag present */
    bool p_invalid, sp_invalid, np_invalid; /* present but not valid (or twice) */
    dmarc_policy p, sp, np;
    dmarc_psd psd;        /* DMARC_PSD_U unless valid psd= */
    bool testing;         /* t=y */
    bool adkim_strict;    /* adkim=s */
    bool aspf_strict;     /* aspf=s */
    char *rua, *ruf, *fo; /* as written (owned), NULL if absent */
    bool rua_valid;       /* rua holds at least one syntactically valid URI */
} dmarc_record;

/* True when txt[0..len) begins with the tag v=DMARC1 (WSP allowed around
 * "=" and after the value), followed by ";", WSP or its end. */
bool dmarc_record_is_dmarc1(const char *txt, size_t len);

/*
 * Parses a record that dmarc_record_is_dmarc1() selected.  *out is
 * overwritten; free it with dmarc_record_free().  Returns 0, or -1 with
 * *error_r set when txt is not a DMARC record (no v=DMARC1 first).
 */
int dmarc_record_parse(const char *txt, size_t len, dmarc_record *out, const char **error_r);
void dmarc_record_free(dmarc_record *r);

/* A deep copy of from into to. */
void dmarc_record_copy(const dmarc_record *from, dmarc_record *to);

/* "none", "quarantine", "reject". */
const char *dmarc_policy_name(dmarc_policy p);

#endif
