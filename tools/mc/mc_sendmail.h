/*
 * mc_sendmail.h - the sendmail side: sendmail.mc from our template,
 * sendmail.cf through m4 and the system's cf tree, authinfo (+ its map),
 * access (+ its map), local-host-names and the SASL application config
 * (mc_sasl).  Running sendmail on them (--check, --apply) is mc_smrun's
 * job.
 */
#ifndef MK_MC_SENDMAIL_H
#define MK_MC_SENDMAIL_H

#include "mc_job.h"

/* Generates every file into j->out, as many as it can: an error in one
 * (reported through mc_msg; every line m4 prints is one) does not stop the
 * others.  Returns 0, or -1 when there was an error (then the output is
 * incomplete and must not be installed). */
int mc_sendmail_generate(mc_job *j);

/* Appends the text of sendmail.mc, for the cf tree cf_dir, to out.
 * Returns 0, or -1 (reported: the template). */
int mc_sendmail_mc(mc_job *j, const char *cf_dir, str_t *out);

#endif
