/* macros.c - the milters' macro needs, once; see macros.h. */
#include "config.h"

#include "milter/macros.h"

#include "milter/milterconn.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct macro_need {
    const char *name;
    macros_stage stage;
    unsigned milters;
    const char *why;
} macro_need;

static const macro_need needs[] = {
    {MILTERCONN_MACRO_DAEMON, MACROS_CONNECT, MACROS_ALL, "trusted origin: submission daemon"},
    {"i", MACROS_ENVFROM, MACROS_ALL, "queue id in log lines"},
    {MILTERCONN_MACRO_AUTH, MACROS_ENVFROM, MACROS_ALL, "trusted origin: SMTP AUTH login"},
    {MILTERCONN_MACRO_DAEMON, MACROS_ENVFROM, MACROS_ALL, "trusted origin: submission daemon"},
    {"{mail_addr}", MACROS_ENVFROM, MACROS_RELAY, "sender as the MTA parsed it"},
    {"i", MACROS_ENVRCPT, MACROS_RELAY, "queue id in log lines"},
    {"{rcpt_addr}", MACROS_ENVRCPT, MACROS_RELAY, "recipient as the MTA parsed it"},
    {"i", MACROS_EOH, MACROS_DKIM, "queue id in log lines"},
    {"i", MACROS_EOM, MACROS_ALL, "queue id in log lines"},
};

void macros_for_stage(macros_stage st, unsigned milters, const char *sep, str_t *out)
{
    size_t first = out->len;

    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++) {
        bool dup = false;

        if (needs[i].stage != st || (needs[i].milters & milters) == 0)
            continue;
        for (size_t j = 0; j < i && !dup; j++)
            dup = needs[j].stage == st && (needs[j].milters & milters) != 0 &&
                  strcmp(needs[j].name, needs[i].name) == 0;
        if (dup)
            continue;
        if (out->len > first)
            str_append_cstr(out, sep);
        str_append_cstr(out, needs[i].name);
    }
}

static const int smfim_of[MACROS_NSTAGES] = {
    [MACROS_CONNECT] = SMFIM_CONNECT, [MACROS_HELO] = SMFIM_HELO,
    [MACROS_ENVFROM] = SMFIM_ENVFROM, [MACROS_ENVRCPT] = SMFIM_ENVRCPT,
    [MACROS_DATA] = SMFIM_DATA,       [MACROS_EOM] = SMFIM_EOM,
    [MACROS_EOH] = SMFIM_EOH,
};

int macros_request(SMFICTX *ctx, unsigned milter)
{
    int rc = 0;

    for (int st = 0; st < MACROS_NSTAGES; st++) {
        str_t list;

        str_init(&list);
        macros_for_stage((macros_stage)st, milter, " ", &list);
        if (list.len > 0 && smfi_setsymlist(ctx, smfim_of[st], list.buf) != MI_SUCCESS)
            rc = -1;
        str_free(&list);
    }
    return rc;
}
