/* main.c - milterkit-masq: header and envelope masquerading milter. */
#include "config.h"

#include "milter/daemon.h"
#include "masq_milter.h"
#include "milter/masq_settings.h"

int main(int argc, char **argv)
{
    const daemon_part part = {
        .name = "masq",
        .summary = "Rewrites internal sender addresses to the site's domain, as sendmail's "
                   "masquerading does.",
        .schema = &masq_schema,
        .desc = &masq_milter_desc,
        .prepare = masq_milter_prepare,
        .release = masq_milter_release,
    };

    return daemon_main(&part, argc, argv);
}
