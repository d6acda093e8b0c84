# tests/bench/local.mk - benchmarks (not tests): `make bench` runs
# tests/bench/run.sh, milterkit-dkim against OpenDKIM, and SPF + DKIM +
# DMARC against OpenDKIM + OpenDMARC (CPU per message).
EXTRA_DIST += tests/bench/run.sh tests/bench/dkim-bench.py tests/bench/auth-bench.py
# The reference milter: libmilter alone, and libmilter plus one signature
# (built with the tests, so that every CI build compiles it).
check_PROGRAMS += tests/bench/floor_milter
tests_bench_floor_milter_SOURCES = tests/bench/floor_milter.c
tests_bench_floor_milter_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milters/dkim
tests_bench_floor_milter_LDADD = $(MK_LIBS)
BENCH_MESSAGES = 1000
bench: all tests/bench/floor_milter$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	PYTHON3='$(PYTHON3)' $(SHELL) '$(abs_top_srcdir)/tests/bench/run.sh' -n $(BENCH_MESSAGES)
.PHONY: bench
