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

UNIT_TESTS += tests/unit/test_dkimkey
tests_unit_test_dkimkey_SOURCES = tests/unit/test_dkimkey.c
tests_unit_test_dkimkey_CPPFLAGS = $(DKIM_TEST_CPPFLAGS)

# The strict RFC 8601 checker every dkim test reads A-R fields through.
UNIT_SCRIPT_TESTS += tests/unit/authres-checker.py
