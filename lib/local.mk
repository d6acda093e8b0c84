# lib/local.mk - the shared library every daemon and tool links with, in
# layers (see lib/README for what each holds and the include rule that
# tests/check-layers.sh enforces):
#   core/    generic: memory, strings, logging, CIDR sets, config schema,
#            snapshots.  Includes only core.
#   dns/     libunbound resolver and forward-confirmed reverse DNS.
#   mail/    RFC 5322 addresses, masquerading, map files, access(5).
#   dkim/    DKIM keys, canonicalization and signing on OpenSSL.
#            dns/, mail/ and dkim/ include core and their own layer only.
#   auth/    SPF and DMARC evaluation on lib/dns; includes core, dns, mail
#            and auth.
#   milter/  what daemons share: the site section, trusted origin, daemon
#            life, per-connection state, the masq section's policy.  May
#            include every layer below it.
# Nothing in lib/ includes a daemon (milters/) or a tool (tools/).
noinst_LIBRARIES += lib/libmilterkit.a
lib_libmilterkit_a_SOURCES =
EXTRA_DIST += lib/README
include lib/core/local.mk
include lib/dns/local.mk
include lib/mail/local.mk
include lib/dkim/local.mk
include lib/auth/local.mk
include lib/milter/local.mk
