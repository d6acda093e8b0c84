/*
 * mc_postfix.h - the Postfix side: main.cf settings (milterkit-main.cf), the
 * master.cf submission service (milterkit-master.cf), the same as postconf
 * commands (milterkit-postconf.sh), the SASL password map sasl_passwd
 * (mode 0600, its key written exactly like relayhost) and its postmap, the
 * Cyrus SASL config sasl/smtpd.conf (mc_sasl).  Running Postfix's own
 * tools on them (--check, --diff, --apply) is mc_pfrun's job.
 */
#ifndef MK_MC_POSTFIX_H
#define MK_MC_POSTFIX_H

#include "mc_job.h"

/* Generates every file into j->out, as many as it can: an error in one
 * (reported) does not stop the others.  Returns 0, or -1 when there was an
 * error. */
int mc_postfix_generate(mc_job *j);

/* Appends the settings as postconf arguments, one per line: "-e\tKEY =
 * VALUE", "-M\tSERVICE/inet=...", "-P\tSERVICE/inet/NAME=VALUE" (what
 * milterkit-postconf.sh runs).  Reports nothing. */
void mc_postfix_commands(const mc_job *j, str_t *out);

#endif
