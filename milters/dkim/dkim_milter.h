/*
 * dkim_milter.h - the libmilter callbacks of milterkit-dkim.
 *
 * Per connection a dkim_conn (client address, HELO name, whether the MTA
 * gives header values with their leading space); per message the header
 * fields (bounded by dkim.max_headers and dkim.max_header_size), the
 * indices of the Authentication-Results fields that carry our authserv-id,
 * and either a streaming body hash (signing) or a libopendkim verifier and
 * the SPF/DMARC state (verifying, dkim_auth.h).  The body is never kept.
 * Sign or verify is decided at end of headers, on the config snapshot
 * taken at MAIL FROM:
 *   sign   when the origin is trusted (lib/origin) and a key exists for the
 *          From domain, after the masquerade rewrite (dkim_policy.h);
 *   verify otherwise: SPF at MAIL FROM, DKIM, DMARC at end of message, one
 *          Authentication-Results field inserted on top with spf=, dkim=
 *          and dmarc=, and dkim.dmarc's action (dkim_auth_decide).
 * On both paths every Authentication-Results field carrying our
 * authserv-id is deleted, from the highest index down.
 */
#ifndef MK_DKIM_MILTER_H
#define MK_DKIM_MILTER_H

#include <libmilter/mfapi.h>

/* The protocol it asks of the MTA: HELO (the SPF HELO identity; the same
 * argument on both MTAs, unlike a macro), no RCPT, DATA or unknown
 * commands, header values with their leading space, and no reply to the
 * steps where it never refuses (fewer round trips per message).  The
 * benchmark's reference milter (tests/bench/floor_milter.c) asks the same.
 * Body chunks are answered all the same: libmilter hands a chunk that a
 * peer sends along with end-of-message to xxfi_body, and when that returns
 * no reply it never calls xxfi_eom nor answers the end of message at all
 * (sendmail 8.17 libmilter/engine.c st_bodyend), leaving the MTA waiting. */
#define DKIM_MILTER_NOREPLY \
    (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_HDR | SMFIP_NR_EOH)
#define DKIM_MILTER_PROTOCOL \
    (SMFIP_NORCPT | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_HDR_LEADSPC | DKIM_MILTER_NOREPLY)
/* The macros it asks for, per stage: lib/milter/macros (MACROS_DKIM). */

extern struct smfiDesc dkim_milter_desc;

#endif
