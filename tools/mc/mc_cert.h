/*
 * mc_cert.h - a self-signed certificate for the submission port, for a
 * start (like `openssl req -x509 -newkey rsa:2048 -days 825 -nodes`).
 * Clients warn about it: replace it with one from a CA (e.g. ACME).
 */
#ifndef MK_MC_CERT_H
#define MK_MC_CERT_H

#include "core/str.h"

/* Makes an RSA-2048 key and a certificate for host name cn (CN and
 * subjectAltName), valid for `days`.  Appends PEM to cert and key.  Returns
 * 0, or -1 with the OpenSSL error in why. */
int mc_cert_selfsigned(const char *cn, long days, str_t *cert, str_t *key, str_t *why);

#endif
