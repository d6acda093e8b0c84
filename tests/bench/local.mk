# tests/bench/local.mk - benchmarks (not tests): `make bench` runs
# tests/bench/run.sh, milterkit-dkim against OpenDKIM (CPU per message).
EXTRA_DIST += tests/bench/run.sh tests/bench/dkim-bench.py
BENCH_MESSAGES = 1000
bench: all
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	PYTHON3='$(PYTHON3)' $(SHELL) '$(abs_top_srcdir)/tests/bench/run.sh' -n $(BENCH_MESSAGES)
.PHONY: bench
