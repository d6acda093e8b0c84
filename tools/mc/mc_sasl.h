/*
 * mc_sasl.h - Cyrus SASL for SMTP AUTH on the submission port: the
 * application config each MTA reads, and the checks that the MTA can read
 * what that config points to, each failure with the command that fixes it.
 *
 * The method set up by default is auxprop with sasldb: the users are made
 * with saslpasswd2 in one database (mta.submission.sasldb, default
 * /etc/sasldb2), which both MTAs read, with no daemon to run.
 *   - Postfix reads CONFIG_DIR/sasl/smtpd.conf (Debian's path).  Debian runs
 *     smtpd chrooted in the queue directory, where it opens /etc/sasldb2
 *     as QUEUE_DIRECTORY/etc/sasldb2: a copy that must exist, be readable
 *     by Postfix's mail_owner, and be copied again after every password
 *     change (mc_sasl_copy(), `milterkit-mc --sync-sasldb`, --apply).
 *   - sendmail runs SASL as root, unchrooted, and reads Sendmail.conf from
 *     Cyrus' search path (/etc/sasl2, /etc/sasl, /usr/lib/TRIPLET/sasl2,
 *     /usr/lib/sasl2; $MILTERKIT_MC_SASL_PATH replaces it); Debian links
 *     /usr/lib/sasl2/Sendmail.conf to /etc/mail/sasl/Sendmail.conf.2, the
 *     file written here (mc_sasl_link() makes that link when none is there).
 * sasl_pwcheck = "saslauthd" is the alternative for system accounts; then
 * saslauthd's socket must be inside Postfix's chroot.
 *
 * Problems are reported through mc_msg.  Not thread-safe (a CLI tool).
 */
#ifndef MK_MC_SASL_H
#define MK_MC_SASL_H

#include <stdbool.h>

#include "mc_job.h"

/* The SASL config file's name for j's MTA, relative to its config
 * directory: "sasl/smtpd.conf" or "sasl/Sendmail.conf.2". */
const char *mc_sasl_conf_name(const mc_job *j);

/* Appends the SASL config file for j's MTA, header included, to out. */
void mc_sasl_conf(const mc_job *j, str_t *out);

/* The copy of the sasldb inside Postfix's chroot (QUEUE/etc/sasldb2), in
 * out.  Returns false (out untouched) when Postfix needs none: another
 * MTA, smtpd not chrooted, saslauthd, or no submission service. */
bool mc_sasl_chroot_copy(const mc_job *j, str_t *out);

/* Copies mta.submission.sasldb to path (the chroot copy) atomically, owner
 * root, group the primary group of user (Postfix's mail_owner), mode
 * 0640; the directory is made (0755) when missing.  Returns 0, or -1 with
 * why. */
int mc_sasl_copy(const mc_job *j, const char *user, const char *path, str_t *why);

/* Checks that Postfix, running smtpd as user (its mail_owner), can read
 * what the SASL config points to: the sasldb (its chroot copy: present,
 * readable by user, the same as mta.submission.sasldb), or saslauthd's
 * socket inside the chroot.  With j->apply a missing or stale copy is not
 * an error (--apply copies it).  Returns -1 when there was an error. */
int mc_sasl_check_postfix(const mc_job *j, const char *user);

/* Checks that sendmail reads our Sendmail.conf (the first one on Cyrus'
 * search path is, or links to, config_dir/sasl/Sendmail.conf.2; with
 * j->apply, none at all is not an error: mc_sasl_link() makes it) and
 * that the sasldb (or saslauthd's socket) is there.  Returns -1 when there
 * was an error. */
int mc_sasl_check_sendmail(const mc_job *j);

/* When no Sendmail.conf is on Cyrus' search path: links the last
 * directory's Sendmail.conf (/usr/lib/sasl2, as Debian does) to
 * config_dir/sasl/Sendmail.conf.2 and puts its path in made (else leaves
 * made empty).  Returns 0, or -1 with why. */
int mc_sasl_link(const mc_job *j, str_t *made, str_t *why);

#endif
