/*
 * sockcheck.h - why a milter socket cannot be opened, said so that the
 * user knows what to do.
 *
 * libmilter's smfi_opensocket() only says that it failed (its reason goes
 * to syslog, if anywhere, and errno does not survive it).  These checks
 * find the reason themselves:
 *   sockcheck_dir()      before the socket is made, and for -n: the
 *                        directory of a unix socket exists, is a directory
 *                        and can be written by the user who creates the
 *                        socket (the daemon, before it drops privileges);
 *   sockcheck_explain()  after libmilter failed: the same checks, then the
 *                        same socket()/bind() libmilter makes, and its errno.
 * The messages name the errno and the command or setting that fixes it:
 *   "No such file or directory: create /var/spool/postfix/milterkit
 *    (install -d -o milterkit -g postfix -m 0750 /var/spool/postfix/milterkit)"
 */
#ifndef MK_SOCKCHECK_H
#define MK_SOCKCHECK_H

#include "core/str.h"

/*
 * Checks a unix socket's directory (inet sockets: nothing to check).
 * owner and group are the user and group the directory should belong to
 * (site.user and socket_group, or NULL).  Returns 0, or -1 with a reason
 * appended to why.
 */
int sockcheck_dir(const char *spec, const char *owner, const char *group, str_t *why);

/* Appends to why the reason why listening on spec fails, as above, or
 * "reason unknown" when the checks and a test bind all succeed. */
void sockcheck_explain(const char *spec, const char *owner, const char *group, str_t *why);

#endif
