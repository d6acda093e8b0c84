/*
 * mc_pfrun.h - Postfix's own tools run on the generated settings:
 *   --check: the settings applied (postconf -c) to a copy of
 *            mta.config_dir's main.cf and master.cf, then `postconf -n` and
 *            `postfix check` on the copy; the SASL checks for Postfix's
 *            mail_owner (mc_sasl);
 *   --diff:  `postconf -n` and `postconf -M` of mta.config_dir now and
 *            with the settings applied, as `diff -u`;
 *   --apply: the same postconf commands on mta.config_dir itself, the
 *            staged files installed, the SASL users copied into the chroot,
 *            `postfix check`, then a reload; every change saved first and
 *            put back when a step fails (mc_apply).
 * postconf and postfix exit 0 after printing warnings: every "warning:",
 * "error:" or "fatal:" line they print is reported, those about the
 * ownership of Postfix's own files as warnings, the others as errors.
 */
#ifndef MK_MC_PFRUN_H
#define MK_MC_PFRUN_H

#include "mc_job.h"

/* --check of the generated settings with postconf and postfix check.
 * Returns 0 when nothing was found wrong, -1 otherwise (reported). */
int mc_pfrun_check(mc_job *j);

/* --check of SASL for Postfix's mail_owner (`postconf -h mail_owner` of
 * mta.config_dir; mc_sasl_check_postfix).  Returns 0, or -1 (reported). */
int mc_pfrun_check_sasl(mc_job *j);

/* --diff: prints on stdout what the settings change in `postconf -n` and
 * `postconf -M`.  Returns how many of the two change, or -1 (reported). */
int mc_pfrun_diff(mc_job *j);

/* --apply, after a --check without errors.  Returns 0, or -1 (reported;
 * then every file is as it was). */
int mc_pfrun_apply(mc_job *j);

/* --sync-sasldb: copies the SASL users into Postfix's chroot.  Returns 0,
 * or -1 (reported). */
int mc_pfrun_sync_sasldb(mc_job *j);

#endif
