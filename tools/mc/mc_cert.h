/*
 * mc_cert.h - a self-signed certificate for the submission port, for a
 * start (like `openssl req -x509 -newkey rsa:2048 -days 825 -nodes`).
 * Clients warn about it: replace it with one from a CA (e.g. ACME).
 */
#ifndef MK_MC_CERT_H
#define MK_MC_CERT_H

#include <stdbool.h>

#include "mc_job.h"
#include "core/str.h"

/* Makes an RSA-2048 key and a certificate for host name cn (CN and
 * subjectAltName), valid for `days`.  Appends PEM to cert and key.  Returns
 * 0, or -1 with the OpenSSL error in why. */
int mc_cert_selfsigned(const char *cn, long days, str_t *cert, str_t *key, str_t *why);

/* The certificate and key of the submission service, in this order: the
 * configured mta.submission.tls files (then make is ignored, with a note);
 * else the self-signed pair an earlier run made,
 * certs/milterkit-selfsigned.{crt,key} in out_dir or in mta.config_dir,
 * reused as it is; else, when make (--make-cert), a new pair.  A reused or
 * new pair is staged in j->out, so that it is installed with the rest, and
 * named in the MTA's configuration by its path in mta.config_dir.  Sets
 * j->tls_cert, tls_key, tls_ca and tls_cert_file, tls_key_file (where the
 * files are now, for mc_check_tls); leaves them NULL when there is no
 * certificate (mc_check_tls reports it).  Strings it makes are in
 * j->tls_owned (the caller frees them).  Returns 0, or -1 (reported). */
int mc_cert_setup(mc_job *j, const char *out_dir, bool make);

#endif
