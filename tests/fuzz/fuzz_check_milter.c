/*
 * fuzz_check_milter.c - libFuzzer target for milterkit-check's reader of
 * milter packets (tools/check/ck_mpkt.c): the input is what a peer sent on
 * a milter socket, read as a stream of packets the way ck_probe reads it.
 * Checks, beyond "no crash": a packet never claims more bytes than were
 * given, the reader always moves forward, and a reply that reads as a
 * negotiation has a version, actions and steps within what was offered.
 */
#include "config.h"

#include "../../tools/check/ck_mpkt.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;

    while (off < size) {
        ck_mpkt pkt;
        ck_mpkt_optneg neg;
        const char *err = NULL;
        ck_mpkt_status st = ck_mpkt_take(data + off, size - off, 4096, &pkt, &err);

        if (st != CK_MPKT_PACKET) {
            CHECK(st == CK_MPKT_NEED_MORE || err != NULL);
            break;
        }
        CHECK(pkt.used >= 5 && pkt.used <= size - off);
        CHECK(pkt.len == pkt.used - 5 && pkt.data == data + off + 5);
        if (ck_mpkt_read_optneg(pkt.data, pkt.len, &neg, &err) == 0) {
            CHECK(neg.version >= 2 && neg.version <= CK_MPKT_VERSION);
            CHECK((neg.actions & ~CK_MPKT_ACTIONS) == 0);
            CHECK(neg.macro_lists <= 7);
        } else
            CHECK(err != NULL);
        off += pkt.used;
    }
    return 0;
}
