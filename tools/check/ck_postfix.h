/*
 * ck_postfix.h - Postfix as milterkit-check sees it, read with postconf(1)
 * (never by parsing main.cf ourselves): mail_owner (the user smtpd and
 * cleanup run as, with its groups), queue_directory, which smtpd and
 * cleanup services run chrooted (postconf -F), smtpd_milters,
 * non_smtpd_milters and milter_default_action in main.cf and as -o
 * overrides of master.cf services (postconf -P), and the submission
 * service.  "-" in master.cf's chroot column counts as "n" (Postfix 3.0
 * and later).
 */
#ifndef MK_CK_POSTFIX_H
#define MK_CK_POSTFIX_H

#include "ck_conf.h"
#include "ck_mta.h"
#include "ck_mtaopts.h"
#include "ck_report.h"

/*
 * Reads Postfix's configuration into m, reporting as it goes: an item
 * "mta postfix" (read or not), "mta submission" (a service on the
 * submission port), "mta queue_directory" (milterkit.conf agrees with
 * Postfix).  Returns 0, or -1 when the configuration could not be read
 * (reported; m then holds no chains).
 */
int ck_postfix_read(ck_report *r, const ck_conf *c, const ck_mtaopts *o, ck_mta *m);

#endif
