# tests/e2e/local.mk - end-to-end tests with real sendmail and Postfix on
# loopback.  They need the MTAs unpacked by tests/e2e/prepare.sh and skip
# (exit 77) without them.
include tests/e2e/core.mk
include tests/e2e/masq.mk
include tests/e2e/relay.mk
include tests/e2e/dkim.mk
include tests/e2e/mc.mk
include tests/e2e/op25b.mk
include tests/e2e/keygen.mk
include tests/e2e/check.mk
include tests/e2e/readme.mk
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS)
