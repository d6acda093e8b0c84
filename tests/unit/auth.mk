# tests/unit/auth.mk - tests of lib/auth (SPF, DMARC).
# spf-suite.py runs the RFC 7208 suite against a test DNS through
# auth_eval (our evaluator) and, as the measurement behind lib/auth/spf.h's
# decision, through spf_libspf2 (Debian's libspf2 on lib/dns).
if HAVE_LIBSPF2
check_PROGRAMS += tests/unit/spf_libspf2
endif
tests_unit_spf_libspf2_SOURCES = tests/unit/spf_libspf2.c
tests_unit_spf_libspf2_LDADD = $(MK_LIBS) -lspf2
EXTRA_DIST += tests/data/spf/rfc7208-tests.yml tests/data/spf/rfc7208-tests.LICENSE \
	tests/data/spf/README
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/auth_eval
UNIT_SCRIPT_TESTS += tests/unit/spf-suite.py
endif
tests_unit_auth_eval_SOURCES = tests/unit/auth_eval.c
tests_unit_auth_eval_LDADD = $(MK_LIBS)
if HAVE_CMOCKA
UNIT_SCRIPT_TESTS += tests/unit/dmarc-dns.py
endif
UNIT_TESTS += tests/unit/test_spf tests/unit/test_dmarc
tests_unit_test_spf_SOURCES = tests/unit/test_spf.c tests/unit/dns_stub.c tests/unit/dns_stub.h
tests_unit_test_dmarc_SOURCES = tests/unit/test_dmarc.c tests/unit/dns_stub.c tests/unit/dns_stub.h
# dmarc-dns.py compares lib/auth's DMARC with libopendmarc (RFC 7489) where
# the two RFCs agree, through dmarc_opendmarc (an oracle, never linked into
# milterkit).
if HAVE_OPENDMARC
check_PROGRAMS += tests/unit/dmarc_opendmarc
endif
tests_unit_dmarc_opendmarc_SOURCES = tests/unit/dmarc_opendmarc.c
tests_unit_dmarc_opendmarc_LDADD = -lopendmarc
