/*
 * ck_mpkt.h - the MTA side of the milter protocol, as far as
 * milterkit-check speaks it: build the option negotiation (SMFIC_OPTNEG)
 * and the QUIT packets, split a byte stream into packets, and read a
 * negotiation reply.
 *
 * A milter packet is a 4-byte length in network order, then that many
 * bytes: a command byte and its data.  The reader trusts nothing: the
 * length is bounded (max, at most CK_MPKT_MAX), nothing is read past the
 * bytes given, and every field of a reply is checked.  Pure functions: no
 * I/O, no global state, reentrant (fuzzed in tests/fuzz/fuzz_check_milter.c).
 */
#ifndef MK_CK_MPKT_H
#define MK_CK_MPKT_H

#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* Largest packet accepted at all (libmilter's own data limit is 1 MiB;
 * a negotiation reply is a few hundred bytes). */
#define CK_MPKT_MAX 65536

/* What we offer: protocol version 6, every action, every protocol step
 * and both larger data sizes, as sendmail 8.17 and Postfix 3.7 do. */
#define CK_MPKT_VERSION 6u
#define CK_MPKT_ACTIONS 0x000001FFu
#define CK_MPKT_PROTOCOL (0x001FFFFFu | 0x10000000u | 0x20000000u)

typedef enum ck_mpkt_status {
    CK_MPKT_NEED_MORE, /* no complete packet yet */
    CK_MPKT_PACKET,    /* one packet found */
    CK_MPKT_BAD,       /* not a milter packet (length 0 or over max) */
} ck_mpkt_status;

/* One packet, pointing into the caller's buffer. */
typedef struct ck_mpkt {
    char cmd;
    const unsigned char *data;
    size_t len;  /* bytes of data, without the command byte */
    size_t used; /* bytes of the buffer the packet took, length included */
} ck_mpkt;

/*
 * Looks for the first packet in buf[0..len).  Returns CK_MPKT_PACKET with
 * *out filled, CK_MPKT_NEED_MORE when more bytes are needed, or CK_MPKT_BAD
 * with *error_r set to a static message.  max is the largest length field
 * accepted (1 .. CK_MPKT_MAX).
 */
ck_mpkt_status ck_mpkt_take(const unsigned char *buf, size_t len, size_t max, ck_mpkt *out,
                            const char **error_r);

/* A negotiation reply. */
typedef struct ck_mpkt_optneg {
    uint32_t version, actions, protocol;
    unsigned macro_lists; /* stages with a macro list (SMFIR_SETSYMLIST) */
} ck_mpkt_optneg;

/*
 * Reads the data of an SMFIC_OPTNEG reply: version 2 to 6, actions and
 * protocol flags within what we offered (libmilter's internal bits
 * allowed), then any macro lists (a stage 0..6 and a NUL-terminated list,
 * each stage at most once).  Returns 0, or -1 with *error_r set.
 */
int ck_mpkt_read_optneg(const unsigned char *data, size_t len, ck_mpkt_optneg *out,
                        const char **error_r);

/* Appends our SMFIC_OPTNEG packet / an SMFIC_QUIT packet to out. */
void ck_mpkt_optneg_packet(str_t *out);
void ck_mpkt_quit_packet(str_t *out);

#endif
