/*
 * mc_postfix.h - the Postfix side: main.cf settings (milterkit-main.cf), the
 * master.cf submission service (milterkit-master.cf), the same as postconf
 * commands (milterkit-postconf.sh), the SASL password map sasl_passwd
 * (mode 0600, its key written exactly like relayhost) and its postmap, the
 * Cyrus SASL config sasl/smtpd.conf; and the check of all of it with
 * postconf -n and postfix check on a copy of the installed configuration.
 */
#ifndef MK_MC_POSTFIX_H
#define MK_MC_POSTFIX_H

#include "mc_job.h"

/* Generates every file into j->out; returns 0 or -1 (reported). */
int mc_postfix_generate(mc_job *j);

/* Applies the settings to a copy of mta.config_dir's main.cf and master.cf
 * and runs `postconf -n` and `postfix check` on it; every warning they print
 * is reported.  Returns 0 when they had nothing to say, -1 otherwise. */
int mc_postfix_check(mc_job *j);

#endif
