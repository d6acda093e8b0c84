# tests/fuzz/dkim.mk - fuzz targets of the DKIM signing engine.
FUZZ_TARGETS += tests/fuzz/fuzz_dkimcanon
tests_fuzz_fuzz_dkimcanon_SOURCES = tests/fuzz/fuzz_dkimcanon.c
tests_fuzz_fuzz_dkimcanon_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dkimcanon_LDADD = $(MK_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz_dkimkey
tests_fuzz_fuzz_dkimkey_SOURCES = tests/fuzz/fuzz_dkimkey.c
tests_fuzz_fuzz_dkimkey_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dkimkey_LDADD = $(MK_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz_dkimnorm
tests_fuzz_fuzz_dkimnorm_SOURCES = tests/fuzz/fuzz_dkimnorm.c
tests_fuzz_fuzz_dkimnorm_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dkimnorm_LDADD = $(MK_LIBS)

# dkim_tags.c is the daemon's: DKIM-Signature and key record tag-lists.
FUZZ_TARGETS += tests/fuzz/fuzz_dkimtags
tests_fuzz_fuzz_dkimtags_SOURCES = tests/fuzz/fuzz_dkimtags.c milters/dkim/dkim_tags.c
tests_fuzz_fuzz_dkimtags_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milters/dkim
tests_fuzz_fuzz_dkimtags_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dkimtags_LDADD = $(MK_LIBS)

EXTRA_DIST += \
	tests/fuzz/corpus/fuzz_dkimnorm/mixed \
	tests/fuzz/corpus/fuzz_dkimtags/signature \
	tests/fuzz/corpus/fuzz_dkimcanon/crlf-relaxed \
	tests/fuzz/corpus/fuzz_dkimcanon/mixed-simple \
	tests/fuzz/corpus/fuzz_dkimkey/ed25519-seed \
	tests/fuzz/corpus/fuzz_dkimkey/rsa1024-pkcs8

# dkim_ar.c is the daemon's; dkim_res_name() brings dkim_verify.c and what it uses.
FUZZ_TARGETS += tests/fuzz/fuzz_ar
tests_fuzz_fuzz_ar_SOURCES = tests/fuzz/fuzz_ar.c \
	milters/dkim/dkim_ar.c milters/dkim/dkim_verify.c milters/dkim/dkim_tags.c \
	milters/dkim/dkim_policy.c milters/dkim/dkim_settings.c
tests_fuzz_fuzz_ar_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milters/dkim
tests_fuzz_fuzz_ar_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_ar_LDADD = $(MK_LIBS)
EXTRA_DIST += \
	tests/fuzz/corpus/fuzz_ar/pass \
	tests/fuzz/corpus/fuzz_ar/forged-quoted \
	tests/fuzz/corpus/fuzz_ar/hostile-tags
