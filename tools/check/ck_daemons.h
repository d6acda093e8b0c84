/*
 * ck_daemons.h - checks 1 and 2 of milterkit-check(8): each daemon's
 * configuration, checked by the daemon itself (milterkit-NAME -n -c FILE,
 * run from sbindir: the same loader, the same schema, the same key and map
 * checks as at start, and proof that the program is installed), and each
 * daemon answering the milter protocol on its socket (ck_probe).
 */
#ifndef MK_CK_DAEMONS_H
#define MK_CK_DAEMONS_H

#include "ck_conf.h"
#include "ck_report.h"

/* Seconds a daemon's -n may take; milliseconds a socket probe may take. */
#define CK_DAEMON_CHECK_TIMEOUT 60
#define CK_PROBE_TIMEOUT_MS 5000

/* Check 1: items "config NAME", one per milter.  A part whose section is
 * missing gets a warning and no -n.  Returns the number of FAIL items. */
unsigned ck_daemons_config(ck_report *r, const ck_conf *c, const char *sbindir);

/* Check 2: items "socket NAME", one per configured milter. */
void ck_daemons_probe(ck_report *r, const ck_conf *c, int timeout_ms);

#endif
