/*
 * dkim_milter.h - the libmilter callbacks of milterkit-dkim.
 *
 * Per connection a dkim_conn (client address, whether the MTA gives header
 * values with their leading space); per message the header fields (bounded
 * by dkim.max_headers and dkim.max_header_size), the indices of the
 * Authentication-Results fields that carry our authserv-id, and either a
 * streaming body hash (signing) or a libopendkim verifier (verifying).  The
 * body is never kept.  Sign or verify is decided at end of headers, on the
 * config snapshot taken at MAIL FROM:
 *   sign   when the origin is trusted (lib/origin) and a key exists for the
 *          From domain, after the masquerade rewrite (dkim_policy.h);
 *   verify otherwise, with one Authentication-Results field inserted on top.
 * On both paths every Authentication-Results field carrying our
 * authserv-id is deleted, from the highest index down.
 */
#ifndef MK_DKIM_MILTER_H
#define MK_DKIM_MILTER_H

#include <libmilter/mfapi.h>

extern struct smfiDesc dkim_milter_desc;

#endif
