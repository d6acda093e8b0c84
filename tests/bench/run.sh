#!/bin/sh
# tests/bench/run.sh - run the benchmarks: tests/bench/dkim-bench.py (CPU
# per signed and per verified 4 KB message, milterkit-dkim against Debian's
# OpenDKIM, and the raw cost of an RSA-2048 signature), then
# tests/bench/auth-bench.py (CPU per verified message, milterkit-dkim doing
# SPF + DKIM + DMARC against OpenDKIM + OpenDMARC; needs root).
# Usage: tests/bench/run.sh [-n MESSAGES]; from a build directory, or with
# top_srcdir and top_builddir set (`make bench` sets them).
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
PYTHONPATH=$top_srcdir/tests/lib${PYTHONPATH:+:$PYTHONPATH}
export top_srcdir top_builddir PYTHONPATH
"${PYTHON3:-/usr/bin/python3}" "$top_srcdir/tests/bench/dkim-bench.py" "$@" || exit
echo
exec "${PYTHON3:-/usr/bin/python3}" "$top_srcdir/tests/bench/auth-bench.py" "$@"
