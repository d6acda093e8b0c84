# tools/keygen/local.mk - milterkit-keygen: DKIM keys, their DNS records,
# and a check of a published record against a key file.
bin_PROGRAMS += tools/keygen/milterkit-keygen
KEYGEN_MODULES = \
	tools/keygen/kgcheck.c tools/keygen/kgcheck.h \
	tools/keygen/kggen.c tools/keygen/kggen.h \
	tools/keygen/kgkey.c tools/keygen/kgkey.h \
	tools/keygen/kgname.c tools/keygen/kgname.h
tools_keygen_milterkit_keygen_SOURCES = tools/keygen/main.c $(KEYGEN_MODULES)
tools_keygen_milterkit_keygen_LDADD = $(MK_LIBS)

dist_man_MANS += man/milterkit-keygen.8

# Unit tests of the modules above (cmocka).
UNIT_TESTS += tools/keygen/test_keygen
tools_keygen_test_keygen_SOURCES = tools/keygen/test_keygen.c $(KEYGEN_MODULES)

# Tests of the program itself: tests/unit/keygen-generate.py (unit tier,
# tests/unit/local.mk), tests/e2e/keygen-*.py (e2e tier, tests/e2e/keygen.mk).

# The key record parser (lib/dkim/dkimrec.c, which keygen and
# milterkit-check share) reads DNS answers: fuzz it.
FUZZ_TARGETS += tests/fuzz/fuzz_keygen_record
tests_fuzz_fuzz_keygen_record_SOURCES = tests/fuzz/fuzz_keygen_record.c
tests_fuzz_fuzz_keygen_record_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_keygen_record_LDADD = $(MK_LIBS)
EXTRA_DIST += tests/fuzz/corpus/fuzz_keygen_record/rsa \
	tests/fuzz/corpus/fuzz_keygen_record/ed25519 \
	tests/fuzz/corpus/fuzz_keygen_record/folded \
	tests/fuzz/corpus/fuzz_keygen_record/revoked
