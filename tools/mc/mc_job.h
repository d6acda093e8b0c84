/*
 * mc_job.h - one run of milterkit-mc: the settings read, the options given,
 * and the files being generated.  Filled by main.c, read by the generators
 * (mc_sendmail, mc_postfix) and the checks (mc_check).
 */
#ifndef MK_MC_JOB_H
#define MK_MC_JOB_H

#include <stdbool.h>

#include "mc_milters.h"
#include "mc_out.h"
#include "mc_settings.h"
#include "milter/site.h"

typedef struct mc_job {
    const char *conf_path;  /* milterkit.conf */
    site_settings site;
    mta_settings mta;
    mc_milters milters;
    const char *flavor;     /* "sendmail" or "postfix" (--mta or mta.flavor) */
    const char *config_dir; /* where the MTA reads the files (mta.config_dir) */
    const char *templates;  /* --templates, or NULL */
    const char *cf_dir;     /* --cf-dir, or NULL: MTA_ROOT/usr/share/sendmail/cf */
    const char *mta_root;   /* --mta-root: where the MTA's programs are; "" for / */
    bool strict;            /* --check, --apply: unmet file requirements are errors */
    bool apply;             /* --apply: what it will fix itself is no error */
    /* TLS files of the submission service as the MTA's configuration names
     * them (configured, or the self-signed pair in config_dir/certs); NULL
     * when there are none. */
    const char *tls_cert, *tls_key, *tls_ca;
    /* Where those files are now, for the checks (the stage, for a pair
     * made in this run). */
    const char *tls_cert_file, *tls_key_file;
    char *tls_owned[4];     /* those strings that mc_cert_setup made */
    char *password;         /* the smart host's, from its password_file; wiped */
    int ipv6;               /* mc_v6 (mc_sendmail.h); 0: read from this host */
    mc_out out;
} mc_job;

#endif
