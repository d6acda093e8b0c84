# tests/milter/local.mk - milter-level tests: daemons started with a test
# config and driven over the milter protocol by mktest.milterclient
# (tests/lib).  Each test is a script tests/milter/NAME.py added to
# MILTER_TESTS in a fragment of its own.
include tests/milter/core.mk
include tests/milter/lifecycle.mk
include tests/milter/protocol.mk
include tests/milter/masq.mk
include tests/milter/relay.mk
include tests/milter/dkim.mk
TESTS += $(MILTER_TESTS)
EXTRA_DIST += $(MILTER_TESTS)
