/* main.c - milterkit-dkim: DKIM signing and verification milter. */
#include "config.h"

#include "milter/daemon.h"
#include "dkim_milter.h"
#include "dkim_policy.h"
#include "dkim_settings.h"

int main(int argc, char **argv)
{
    const daemon_part part = {
        .name = "dkim",
        .summary = "Signs mail of trusted origin with DKIM, verifies the rest and adds "
                   "Authentication-Results.",
        .schema = &dkim_schema,
        .desc = &dkim_milter_desc,
        .prepare = dkim_policy_prepare,
        .release = dkim_policy_release,
    };

    return daemon_main(&part, argc, argv);
}
