# tests/fuzz/local.mk - libFuzzer targets, built with ./configure --enable-fuzz
# (CC=clang).  Each target: a fragment tests/fuzz/NAME.mk adding
#   FUZZ_TARGETS += tests/fuzz/fuzz_NAME
#   tests_fuzz_fuzz_NAME_SOURCES = tests/fuzz/fuzz_NAME.c
#   tests_fuzz_fuzz_NAME_LDFLAGS = -fsanitize=fuzzer
#   tests_fuzz_fuzz_NAME_LDADD = $(MK_LIBS)
# tests/fuzz/run.sh runs every target for a bounded time.
include tests/fuzz/addr.mk
include tests/fuzz/net.mk
include tests/fuzz/dkim.mk
include tests/fuzz/core.mk
include tests/fuzz/relay.mk
include tests/fuzz/auth.mk
if ENABLE_FUZZ
noinst_PROGRAMS += $(FUZZ_TARGETS)
endif
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/fuzz.h
