# tests/fuzz/net.mk - fuzz targets of the net area (access map).
FUZZ_TARGETS += tests/fuzz/fuzz_access
tests_fuzz_fuzz_access_SOURCES = tests/fuzz/fuzz_access.c
tests_fuzz_fuzz_access_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_access_LDADD = $(MK_LIBS)
EXTRA_DIST += tests/fuzz/corpus/fuzz_access/connect tests/fuzz/corpus/fuzz_access/from \
	tests/fuzz/corpus/fuzz_access/to tests/fuzz/corpus/fuzz_access/mixed
