/*
 * ck_sendmail.h - sendmail as milterkit-check sees it, from sendmail.cf
 * (ck_smcf): the filters called (InputMailFilters, in order, each with its
 * X line's socket and F= flags: without F=T or F=R sendmail passes mail
 * unfiltered when the filter is down), the user that connects (RunAsUser,
 * else root), and a daemon on the submission port.
 */
#ifndef MK_CK_SENDMAIL_H
#define MK_CK_SENDMAIL_H

#include "ck_conf.h"
#include "ck_mta.h"
#include "ck_mtaopts.h"
#include "ck_report.h"

/*
 * Reads sendmail.cf into m, reporting "mta sendmail" (read or not) and
 * "mta submission".  Returns 0, or -1 when it could not be read (reported).
 */
int ck_sendmail_read(ck_report *r, const ck_conf *c, const ck_mtaopts *o, ck_mta *m);

#endif
