# tests/fuzz/core.mk - fuzz targets of core lib/ parsers (cidr, mapfile,
# dname and the did-you-mean distance).
FUZZ_TARGETS += tests/fuzz/fuzz_cidr
tests_fuzz_fuzz_cidr_SOURCES = tests/fuzz/fuzz_cidr.c
tests_fuzz_fuzz_cidr_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_cidr_LDADD = $(MK_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz_mapfile
tests_fuzz_fuzz_mapfile_SOURCES = tests/fuzz/fuzz_mapfile.c
tests_fuzz_fuzz_mapfile_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_mapfile_LDADD = $(MK_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz_dname
tests_fuzz_fuzz_dname_SOURCES = tests/fuzz/fuzz_dname.c
tests_fuzz_fuzz_dname_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dname_LDADD = $(MK_LIBS)

EXTRA_DIST += \
	tests/fuzz/corpus/fuzz_dname/names \
	tests/fuzz/corpus/fuzz_dname/typo \
	tests/fuzz/corpus/fuzz_cidr/internal-networks \
	tests/fuzz/corpus/fuzz_cidr/mapped-v6 \
	tests/fuzz/corpus/fuzz_cidr/bad-prefixes \
	tests/fuzz/corpus/fuzz_mapfile/access \
	tests/fuzz/corpus/fuzz_mapfile/genericstable \
	tests/fuzz/corpus/fuzz_mapfile/empty-values-crlf
