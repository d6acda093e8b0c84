/*
 * mc_smfiles.h - the data files beside sendmail.cf: authinfo (the smart
 * host's credentials, password base64-encoded, mode 0600), access,
 * local-host-names (the SASL config is mc_sasl's).
 * Each function appends the whole file, header included, to out.
 */
#ifndef MK_MC_SMFILES_H
#define MK_MC_SMFILES_H

#include "mc_job.h"

/* Requires j->password; returns -1 (mc_error) when AUTH is not configured. */
int mc_smfiles_authinfo(const mc_job *j, str_t *out);
/* Connect:NET RELAY for site.internal_networks (those sendmail can express;
 * others reported), TLS_Srv:SMARTHOST ENCR:112 so credentials never go out
 * unencrypted. */
void mc_smfiles_access(const mc_job *j, str_t *out);
void mc_smfiles_local_host_names(const mc_job *j, str_t *out);

#endif
