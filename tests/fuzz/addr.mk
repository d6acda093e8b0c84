# tests/fuzz/addr.mk - libFuzzer target over lib/addr and lib/masquerade.
FUZZ_TARGETS += tests/fuzz/fuzz_addr
tests_fuzz_fuzz_addr_SOURCES = tests/fuzz/fuzz_addr.c
tests_fuzz_fuzz_addr_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_addr_LDADD = $(MK_LIBS)
EXTRA_DIST += \
	tests/fuzz/corpus/fuzz_addr/acceptance \
	tests/fuzz/corpus/fuzz_addr/groups \
	tests/fuzz/corpus/fuzz_addr/route-bare-null \
	tests/fuzz/corpus/fuzz_addr/generics \
	tests/fuzz/corpus/fuzz_addr/encoded-utf8 \
	tests/fuzz/corpus/fuzz_addr/obs-folded \
	tests/fuzz/corpus/fuzz_addr/comments \
	tests/fuzz/corpus/fuzz_addr/envelope \
	tests/fuzz/corpus/fuzz_addr/malformed-quote \
	tests/fuzz/corpus/fuzz_addr/nul
