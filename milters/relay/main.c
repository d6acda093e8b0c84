/* main.c - milterkit-relay: who may relay (FCrDNS, SMTP AUTH, access map). */
#include "config.h"

#include "milter/daemon.h"
#include "relay_milter.h"
#include "relay_policy.h"
#include "relay_settings.h"

int main(int argc, char **argv)
{
    const daemon_part part = {
        .name = "relay",
        .summary = "Decides who may relay: trusted origin, an access map in sendmail's "
                   "syntax, forward-confirmed reverse DNS, sender/login binding.",
        .schema = &relay_schema,
        .desc = &relay_milter_desc,
        .prepare = relay_policy_prepare,
        .release = relay_policy_release,
    };

    return daemon_main(&part, argc, argv);
}
