#!/bin/bash
# tests/demo.sh - the README's main command: on a fresh Debian 12 machine, as
# root, install what is needed (tests/setup.sh), build milterkit, and run
# tests/demo.py: a private MTA on loopback with the milterkit milters, a fake
# ISP relay, a test DNS, one message submitted and shown as the relay got it.
# Leaves the machine's own MTA alone.  MILTERKIT_DEMO_MTA=sendmail|postfix.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. tests/setup.sh
build=$top/_demo
mkdir -p "$build" || exit 1
echo "=== installing packages, unpacking private MTAs (logs in $build)"
setup_packages "$build/apt.log" || exit 1
setup_mtas "$build/prepare.log" || exit 1
echo "=== building"
setup_srcdir "$build/distclean.log" || exit 1
setup_autoreconf "$build/autoreconf.log" || exit 1
cd "$build" || exit 1
{ "$top/configure" -q && make -j2; } > build.log 2>&1 || { tail -30 build.log; exit 1; }
cd "$top" || exit 1
echo "=== running the demo"
top_srcdir=$top top_builddir=$build PYTHONPATH=$top/tests/lib \
    exec /usr/bin/python3 tests/demo.py
