# tests/fuzz/auth.mk - libFuzzer targets over lib/auth: SPF records, macros
# and query names (fuzz_spf); DMARC records, From author domains and tree
# walk names (fuzz_dmarc).
FUZZ_TARGETS += tests/fuzz/fuzz_spf tests/fuzz/fuzz_dmarc
tests_fuzz_fuzz_spf_SOURCES = tests/fuzz/fuzz_spf.c
tests_fuzz_fuzz_spf_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_spf_LDADD = $(MK_LIBS)
tests_fuzz_fuzz_dmarc_SOURCES = tests/fuzz/fuzz_dmarc.c
tests_fuzz_fuzz_dmarc_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dmarc_LDADD = $(MK_LIBS)
EXTRA_DIST += \
	tests/fuzz/corpus/fuzz_spf/record-basic \
	tests/fuzz/corpus/fuzz_spf/record-terms \
	tests/fuzz/corpus/fuzz_spf/record-macros \
	tests/fuzz/corpus/fuzz_spf/modifiers-names \
	tests/fuzz/corpus/fuzz_spf/errors \
	tests/fuzz/corpus/fuzz_spf/nul-qualifier \
	tests/fuzz/corpus/fuzz_dmarc/record-full \
	tests/fuzz/corpus/fuzz_dmarc/record-bad \
	tests/fuzz/corpus/fuzz_dmarc/from-multi \
	tests/fuzz/corpus/fuzz_dmarc/from-idn \
	tests/fuzz/corpus/fuzz_dmarc/fields-nul \
	tests/fuzz/corpus/fuzz_dmarc/from-deep \
	tests/fuzz/corpus/fuzz_dmarc/broken-then-valid-tag
