/*
 * dkim_fixture.h - what the unit tests of milterkit-dkim's modules share: a
 * config written to a temporary file and loaded the way the daemon loads
 * it (daemon_conf_load with the dkim schema and dkim_policy_prepare), with
 * the test keys of tests/data/dkim:
 *   example.net   rsa1 (rsa2048-pkcs1.pem), ed1 (ed25519-pkcs8.pem)
 *   other.example o1   (rsa1024.pem)
 * check_key_permissions off, key_source a file (no DNS).
 */
#ifndef MK_DKIM_FIXTURE_H
#define MK_DKIM_FIXTURE_H

#include "dkim_policy.h"
#include "milter/daemon.h"

/*
 * The config of site + dkim { keys ...; DKIM_EXTRA } (+ MASQ, a whole
 * "masq: {...};" section, or NULL), loaded; fails the test on errors.
 * Free with fixture_free().
 */
daemon_conf *fixture_load(const char *dkim_extra, const char *masq);
void fixture_free(daemon_conf **c);

/* The policy prepare() built. */
dkim_policy *fixture_policy(const daemon_conf *c);

#endif
