/*
 * mc_smrun.h - sendmail run on the generated files:
 *   --check: `sendmail -C STAGED/sendmail.cf -bt -d0.1`, every line it
 *            prints besides its banner reported (the SASL checks are
 *            mc_sasl_check_sendmail());
 *   --apply: the staged files installed into mta.config_dir, each saved
 *            first (mc_apply), Cyrus SASL's link to our Sendmail.conf made
 *            when there is none, then sendmail restarted: through systemd
 *            for the system's own (mta.config_dir /etc/mail), else SIGHUP
 *            to the pid in the .cf's PidFile, after which sendmail execs
 *            itself with the new sendmail.cf.  A failure puts every file
 *            back.
 */
#ifndef MK_MC_SMRUN_H
#define MK_MC_SMRUN_H

#include "mc_job.h"

/* --check.  Returns 0 when nothing was found wrong, -1 otherwise
 * (reported). */
int mc_smrun_check(mc_job *j);

/* --apply, after a --check without errors.  Returns 0, or -1 (reported;
 * then every file is as it was). */
int mc_smrun_apply(mc_job *j);

#endif
