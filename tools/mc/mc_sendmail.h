/*
 * mc_sendmail.h - the sendmail side: sendmail.mc from our template,
 * sendmail.cf through m4 and the system's cf tree, authinfo (+ its map),
 * access (+ its map), local-host-names and the SASL application config;
 * and the check of the .cf with sendmail itself.
 */
#ifndef MK_MC_SENDMAIL_H
#define MK_MC_SENDMAIL_H

#include "mc_job.h"

/* Generates every file into j->out.  Problems through mc_msg; returns 0 or
 * -1 (then the output is incomplete and must not be installed). */
int mc_sendmail_generate(mc_job *j);

/* Runs `sendmail -C STAGED.cf -bt -d0.1` and reports what it complains
 * about.  Returns 0 when it had nothing to say, -1 otherwise. */
int mc_sendmail_check(mc_job *j);

#endif
