/*
 * macros.h - which MTA macros each milterkit milter reads, and at which
 * stage: one table, from which the milters ask for them in xxfi_negotiate
 * (smfi_setsymlist) and milterkit-mc writes the MTA settings that send them
 * (Postfix milter_*_macros, sendmail confMILTER_MACROS_*).  A macro a milter
 * starts to read is added here and nowhere else.
 *
 * Pure and thread-safe.
 */
#ifndef MK_MACROS_H
#define MK_MACROS_H

#include <libmilter/mfapi.h>

#include "core/str.h"

/* The stages the MTAs send macros with (libmilter's SMFIM_* order). */
typedef enum macros_stage {
    MACROS_CONNECT,
    MACROS_HELO,
    MACROS_ENVFROM,
    MACROS_ENVRCPT,
    MACROS_DATA,
    MACROS_EOM,
    MACROS_EOH,
    MACROS_NSTAGES
} macros_stage;

/* The milters, as a bit set. */
#define MACROS_MASQ 1u
#define MACROS_RELAY 2u
#define MACROS_DKIM 4u
#define MACROS_ALL (MACROS_MASQ | MACROS_RELAY | MACROS_DKIM)

/*
 * Appends to out the names of the macros that any milter in the set
 * milters reads at stage st, in table order, each once, separated by sep
 * (nothing is appended when there are none).
 */
void macros_for_stage(macros_stage st, unsigned milters, const char *sep, str_t *out);

/*
 * In xxfi_negotiate: asks the MTA, stage by stage, for the macros milter
 * (one MACROS_* bit) reads.  Returns 0, or -1 when libmilter refused a list
 * (the MTA then sends its defaults: the caller logs it and goes on).
 */
int macros_request(SMFICTX *ctx, unsigned milter);

#endif
