# tests/unit/dkim.mk - unit tests of the DKIM signing engine (lib/dkim*).
DKIM_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DDKIM_TEST_DATA='"$(abs_top_srcdir)/tests/data/dkim"'

UNIT_TESTS += tests/unit/test_dkimsign
tests_unit_test_dkimsign_SOURCES = tests/unit/test_dkimsign.c
tests_unit_test_dkimsign_CPPFLAGS = $(DKIM_TEST_CPPFLAGS)

EXTRA_DIST += tests/data/dkim/dkimpy-verify.py \
	tests/data/dkim/rsa2048-pkcs1.pem tests/data/dkim/rsa2048-genkey.private \
	tests/data/dkim/rsa2048-genkey.p tests/data/dkim/ed25519-dknewkey.key \
	tests/data/dkim/ed25519-dknewkey.p tests/data/dkim/ed25519-pkcs8.pem \
	tests/data/dkim/rsa1024.pem tests/data/dkim/rsa4096.pem tests/data/dkim/rsa512.pem \
	tests/data/dkim/ec-p256.pem tests/data/dkim/garbage.key

UNIT_TESTS += tests/unit/test_dkimcanon
tests_unit_test_dkimcanon_SOURCES = tests/unit/test_dkimcanon.c

UNIT_TESTS += tests/unit/test_dkimrec
tests_unit_test_dkimrec_SOURCES = tests/unit/test_dkimrec.c
tests_unit_test_dkimrec_CPPFLAGS = $(DKIM_TEST_CPPFLAGS)

UNIT_TESTS += tests/unit/test_dkimkey
tests_unit_test_dkimkey_SOURCES = tests/unit/test_dkimkey.c
tests_unit_test_dkimkey_CPPFLAGS = $(DKIM_TEST_CPPFLAGS)

UNIT_TESTS += tests/unit/test_dkimkey_path
tests_unit_test_dkimkey_path_SOURCES = tests/unit/test_dkimkey_path.c
tests_unit_test_dkimkey_path_CPPFLAGS = $(DKIM_TEST_CPPFLAGS)

# milterkit-dkim's own modules, table-driven: the daemon's sources are
# compiled in, configs loaded as the daemon loads them (dkim_fixture.c).
DKIM_MILTER_SRC = milters/dkim/dkim_policy.c milters/dkim/dkim_settings.c \
	milters/dkim/dkim_verify.c milters/dkim/dkim_tags.c
DKIM_MILTER_TEST_CPPFLAGS = $(DKIM_TEST_CPPFLAGS) -I$(top_srcdir)/milters/dkim

UNIT_TESTS += tests/unit/test_dkim_policy
tests_unit_test_dkim_policy_SOURCES = tests/unit/test_dkim_policy.c \
	tests/unit/dkim_fixture.c tests/unit/dkim_fixture.h $(DKIM_MILTER_SRC)
tests_unit_test_dkim_policy_CPPFLAGS = $(DKIM_MILTER_TEST_CPPFLAGS)

UNIT_TESTS += tests/unit/test_dkim_sign
tests_unit_test_dkim_sign_SOURCES = tests/unit/test_dkim_sign.c milters/dkim/dkim_sign.c \
	tests/unit/dkim_fixture.c tests/unit/dkim_fixture.h $(DKIM_MILTER_SRC)
tests_unit_test_dkim_sign_CPPFLAGS = $(DKIM_MILTER_TEST_CPPFLAGS)

UNIT_TESTS += tests/unit/test_dkim_verify
tests_unit_test_dkim_verify_SOURCES = tests/unit/test_dkim_verify.c milters/dkim/dkim_sign.c \
	tests/unit/dkim_fixture.c tests/unit/dkim_fixture.h $(DKIM_MILTER_SRC)
tests_unit_test_dkim_verify_CPPFLAGS = $(DKIM_MILTER_TEST_CPPFLAGS)
EXTRA_DIST += tests/data/dkim/verify/make-corpus.py \
	tests/data/dkim/verify/body-changed.eml tests/data/dkim/verify/dup-key-tag.eml \
	tests/data/dkim/verify/i-qp.eml tests/data/dkim/verify/i-twice.eml \
	tests/data/dkim/verify/l-full.eml tests/data/dkim/verify/l-tail.eml \
	tests/data/dkim/verify/no-key.eml tests/data/dkim/verify/pass-ed25519.eml \
	tests/data/dkim/verify/pass-rsa.eml tests/data/dkim/verify/q-unknown.eml \
	tests/data/dkim/verify/rsa-sha1.eml tests/data/dkim/verify/small-key.eml \
	tests/data/dkim/verify/tempfail.eml tests/data/dkim/verify/testing.eml \
	tests/data/dkim/verify/two-records.eml tests/data/dkim/verify/unsigned.eml

UNIT_TESTS += tests/unit/test_masq_policy
tests_unit_test_masq_policy_SOURCES = tests/unit/test_masq_policy.c

# The strict RFC 8601 checker every dkim test reads A-R fields through.
UNIT_SCRIPT_TESTS += tests/unit/authres-checker.py

UNIT_TESTS += tests/unit/test_dkimnorm
tests_unit_test_dkimnorm_SOURCES = tests/unit/test_dkimnorm.c

UNIT_TESTS += tests/unit/test_dkim_tags
tests_unit_test_dkim_tags_SOURCES = tests/unit/test_dkim_tags.c milters/dkim/dkim_tags.c
tests_unit_test_dkim_tags_CPPFLAGS = $(DKIM_MILTER_TEST_CPPFLAGS)
