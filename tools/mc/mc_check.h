/*
 * mc_check.h - checks of the settings against the machine, before anything
 * is generated: the smart host's port and TLS mode, the certificate, key and
 * CA files of the submission service, the smart host's password file.
 * Problems are reported through mc_msg in the user's terms, naming the
 * setting and where the file sets it ("FILE:LINE: mta.smarthost.port: ...").
 */
#ifndef MK_MC_CHECK_H
#define MK_MC_CHECK_H

#include "mc_job.h"

/* Port and TLS mode of the smart host, for flavor.  Errors and warnings
 * through mc_msg; returns -1 when there was an error. */
int mc_check_smarthost(const mc_job *j);

/* The TLS files (j->tls_cert_file, tls_key_file, tls_ca; see
 * mc_cert_setup): set, present, readable, a certificate and its key that
 * match, the key not readable by others.  Missing files are errors when
 * j->strict, warnings otherwise.  Returns -1 on error. */
int mc_check_tls(const mc_job *j);

/* Reads the smart host password (first line of password_file) into
 * j->password.  Returns 0 (also when no AUTH is configured) or -1. */
int mc_check_password(mc_job *j);

#endif
