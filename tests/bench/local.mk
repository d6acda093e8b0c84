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
# Milters on inet against unix sockets: latency per message for each daemon
# (sendmail- and Postfix-style writes), and Postfix throughput with the three
# milters, side by side (tests/bench/socket-bench.py).
BENCH_SOCKET_ARGS = -n 300 -m 2000
bench-sockets: all
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	PYTHONPATH='$(abs_top_srcdir)/tests/lib' $(PYTHON3) '$(abs_top_srcdir)/tests/bench/socket-bench.py' $(BENCH_SOCKET_ARGS)
# Restarting the milters under a steady load through Postfix
# (tests/bench/restart-bench.py).
BENCH_RESTART_ARGS = -t 20
bench-restart: all
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	PYTHONPATH='$(abs_top_srcdir)/tests/lib' $(PYTHON3) '$(abs_top_srcdir)/tests/bench/restart-bench.py' $(BENCH_RESTART_ARGS)
.PHONY: bench-sockets bench-restart
EXTRA_DIST += tests/bench/socket-bench.py tests/bench/restart-bench.py
