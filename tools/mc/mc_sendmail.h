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

/* How an IPv6 wildcard socket of this host takes IPv4 (j->ipv6; 0: read
 * /proc/sys/net/ipv6/bindv6only).  sendmail cannot listen on the IPv4 and
 * the IPv6 wildcard of one port where the IPv6 socket takes IPv4 too
 * (Linux's default): the second fails with "Address already in use" and
 * sendmail stops listening altogether.  There one Family=inet6 daemon
 * serves both (sendmail reports IPv4 clients as IPv4). */
enum mc_v6 {
    MC_V6_DUAL = 1, /* bindv6only = 0: IPv6 sockets take IPv4 */
    MC_V6_ONLY,     /* bindv6only = 1 */
    MC_V6_NONE      /* no IPv6 here */
};

/* Generates every file into j->out, as many as it can: an error in one
 * (reported through mc_msg; every line m4 prints is one) does not stop the
 * others.  Returns 0, or -1 when there was an error (then the output is
 * incomplete and must not be installed). */
int mc_sendmail_generate(mc_job *j);

/* Appends the text of sendmail.mc, for the cf tree cf_dir, to out.
 * Returns 0, or -1 (reported: the template). */
int mc_sendmail_mc(mc_job *j, const char *cf_dir, str_t *out);

#endif
