/* ck_mpkt.c - milter packets, MTA side; see ck_mpkt.h. */
#include "config.h"

#include "ck_mpkt.h"

#include <string.h>

/* libmilter's bits between MTA and library (SMFI_INTERNAL, MDS sizes). */
#define INTERNAL_BITS 0x70000000u
/* Macro stages SMFIM_CONNECT .. SMFIM_EOH. */
#define STAGES 7

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(str_t *out, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};

    str_append(out, b, sizeof b);
}

ck_mpkt_status ck_mpkt_take(const unsigned char *buf, size_t len, size_t max, ck_mpkt *out,
                            const char **error_r)
{
    uint32_t n;

    if (max == 0 || max > CK_MPKT_MAX)
        max = CK_MPKT_MAX;
    if (len < 4)
        return CK_MPKT_NEED_MORE;
    n = get32(buf);
    if (n == 0) {
        *error_r = "empty packet (length 0)";
        return CK_MPKT_BAD;
    }
    if (n > max) {
        *error_r = "packet length over the limit";
        return CK_MPKT_BAD;
    }
    if (len - 4 < n)
        return CK_MPKT_NEED_MORE;
    out->cmd = (char)buf[4];
    out->data = buf + 5;
    out->len = n - 1;
    out->used = 4 + (size_t)n;
    return CK_MPKT_PACKET;
}

/* The macro lists after the three numbers of a reply. */
static int read_macro_lists(const unsigned char *p, size_t len, ck_mpkt_optneg *out,
                            const char **error_r)
{
    unsigned seen = 0;

    while (len > 0) {
        const unsigned char *nul;
        uint32_t stage;

        if (len < 5) {
            *error_r = "truncated macro list";
            return -1;
        }
        stage = get32(p);
        if (stage >= STAGES || (seen & (1u << stage))) {
            *error_r = "bad or repeated macro list stage";
            return -1;
        }
        seen |= 1u << stage;
        nul = memchr(p + 4, '\0', len - 4);
        if (nul == NULL) {
            *error_r = "macro list without its terminating NUL";
            return -1;
        }
        len -= (size_t)(nul + 1 - p);
        p = nul + 1;
        out->macro_lists++;
    }
    return 0;
}

int ck_mpkt_read_optneg(const unsigned char *data, size_t len, ck_mpkt_optneg *out,
                        const char **error_r)
{
    memset(out, 0, sizeof *out);
    if (len < 12) {
        *error_r = "negotiation reply shorter than 12 bytes";
        return -1;
    }
    out->version = get32(data);
    out->actions = get32(data + 4);
    out->protocol = get32(data + 8);
    if (out->version < 2 || out->version > CK_MPKT_VERSION) {
        *error_r = "unknown milter protocol version";
        return -1;
    }
    if ((out->actions & ~CK_MPKT_ACTIONS) != 0) {
        *error_r = "actions requested that were not offered";
        return -1;
    }
    if ((out->protocol & ~(CK_MPKT_PROTOCOL | INTERNAL_BITS)) != 0) {
        *error_r = "protocol steps requested that were not offered";
        return -1;
    }
    return read_macro_lists(data + 12, len - 12, out, error_r);
}

void ck_mpkt_optneg_packet(str_t *out)
{
    put32(out, 13);
    str_append_char(out, 'O');
    put32(out, CK_MPKT_VERSION);
    put32(out, CK_MPKT_ACTIONS);
    put32(out, CK_MPKT_PROTOCOL);
}

void ck_mpkt_quit_packet(str_t *out)
{
    put32(out, 1);
    str_append_char(out, 'Q');
}
