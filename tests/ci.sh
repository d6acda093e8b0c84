#!/bin/bash
# tests/ci.sh - the README's test command, and all that CI runs (.ci/run).
#
# On a fresh Debian 12 machine, as root: installs what the build and the
# tests need from Debian's packages, builds with gcc and clang (-Werror),
# runs every test (unit, milter-level, end-to-end with real sendmail and
# Postfix), the unit and milter-level tests again under ASan+UBSan, every
# fuzz target for a bounded time, mandoc lint of every man page and
# `make distcheck`, runs the benchmark once briefly (that it works, not its
# numbers), builds the Debian package from a clean copy of the tree and
# checks it (lintian, the units, install and purge: tests/package.sh), then
# prints "N passed, N failed, N skipped".  Logs go to _ci/ (MILTERKIT_CI_DIR).
# The first steps are shared with tests/demo.sh (tests/setup.sh); a tree
# configured in place (./configure in it) is cleaned first (make distclean).
# Set MILTERKIT_CI_SKIP_APT=1 to skip the package step, FUZZ_SECONDS to
# change the fuzzing time per target (default 30), MILTERKIT_CI_SKIP_INSTALL=1
# to build and check the .deb without installing it (the install leaves the
# milterkit system user behind, as Debian does for system users; it is
# skipped where milterkit is installed).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
work=${MILTERKIT_CI_DIR:-$top/_ci}
fuzz_seconds=${FUZZ_SECONDS:-30}
pass=0 fail=0 skip=0
failed_names=()

say() { printf '\n=== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

record() { # record NAME STATUS(0 pass, 77 skip, else fail)
    case $2 in
        0) pass=$((pass + 1)); echo "PASS: $1" ;;
        77) skip=$((skip + 1)); echo "SKIP: $1" ;;
        *) fail=$((fail + 1)); failed_names+=("$1"); echo "FAIL: $1" ;;
    esac
}

# Prints the end of each failed test's own log, so that a CI transcript
# alone says why a test failed.
show_failed_logs() { # show_failed_logs BUILDDIR SUITE-LOG
    local name tlog
    for name in $(sed -n -E 's/^(FAIL|ERROR|XPASS): ([^ ]+).*/\2/p' "$2" | sort -u); do
        tlog=$1/${name%.*}.log
        [ -f "$tlog" ] || tlog=$1/$name.log
        [ -f "$tlog" ] || continue
        echo "----- last 80 lines of $tlog"
        tail -80 "$tlog"
        echo "-----"
    done
}

# Adds the counts of an automake test-suite.log to the totals.
count_suite() { # count_suite LABEL LOGFILE
    local log=$2 p f s e x
    if [ ! -f "$log" ]; then record "$1 (no test-suite.log)" 1; return; fi
    p=$(sed -n 's/^# PASS: *//p' "$log"); f=$(sed -n 's/^# FAIL: *//p' "$log")
    s=$(sed -n 's/^# SKIP: *//p' "$log"); e=$(sed -n 's/^# ERROR: *//p' "$log")
    x=$(sed -n 's/^# XPASS: *//p' "$log")
    pass=$((pass + ${p:-0})); skip=$((skip + ${s:-0}))
    fail=$((fail + ${f:-0} + ${e:-0} + ${x:-0}))
    grep -E '^(FAIL|ERROR|XPASS): ' "$log" | sed "s|^|  [$1] |"
    show_failed_logs "$(dirname "$log")" "$log"
    if [ "$(( ${f:-0} + ${e:-0} + ${x:-0} ))" -gt 0 ]; then failed_names+=("$1: see $log"); fi
    echo "$1: ${p:-0} passed, $(( ${f:-0} + ${e:-0} + ${x:-0} )) failed, ${s:-0} skipped"
}

rm -rf "$work"; mkdir -p "$work/logs" || exit 1
. tests/setup.sh
say "installing packages"
setup_packages "$work/logs/apt.log" || record "install packages" 1

say "preparing private MTAs for the e2e tests"
setup_mtas "$work/logs/prepare.log"; record "e2e prepare (sendmail, postfix unpacked)" $?

say "autoreconf"
setup_srcdir "$work/logs/distclean.log" || record "make distclean of the in-place configured tree" 1
setup_autoreconf "$work/logs/autoreconf.log" || record autoreconf 1

build() { # build DIR CONFIGURE-ARGS... ; make
    local dir=$work/$1; shift
    mkdir -p "$dir" && cd "$dir" || return 1
    "$top/configure" -q "$@" > configure.log 2>&1 || { tail -30 configure.log; cd "$top"; return 1; }
    make -j2 > make.log 2>&1 || { grep -E 'error|warning' make.log | head -40; tail -20 make.log; cd "$top"; return 1; }
    cd "$top"
}

say "gcc build (-Werror) and make check: unit, milter-level and e2e tests"
if build gcc --enable-werror CC=gcc; then
    record "gcc build -Werror" 0
    (cd "$work/gcc" && make -j2 check > check.log 2>&1)
    count_suite "gcc make check" "$work/gcc/test-suite.log"
else
    record "gcc build -Werror" 1
fi

say "benchmark smoke runs (that they run and the daemons answer; their numbers are not judged here)"
if [ -x "$work/gcc/milters/dkim/milterkit-dkim" ]; then
    (cd "$work/gcc" && make bench BENCH_MESSAGES=30 > bench.log 2>&1); rc=$?
    [ $rc -ne 0 ] && tail -30 "$work/gcc/bench.log"
    record "make bench (smoke, 30 messages)" $rc
    (cd "$work/gcc" && make bench-sockets BENCH_SOCKET_ARGS="-n 10 -m 50" > bench-sockets.log 2>&1); rc=$?
    [ $rc -ne 0 ] && tail -30 "$work/gcc/bench-sockets.log"
    record "make bench-sockets (smoke)" $rc
    (cd "$work/gcc" && make bench-restart BENCH_RESTART_ARGS="-t 4" > bench-restart.log 2>&1); rc=$?
    [ $rc -ne 0 ] && tail -30 "$work/gcc/bench-restart.log"
    record "make bench-restart (smoke)" $rc
else
    record "make bench (smoke): no gcc build" 1
fi

say "clang build (-Werror)"
build clang --enable-werror CC=clang; record "clang build -Werror" $?

say "ASan+UBSan: unit and milter-level tests"
san="-g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
if build asan --enable-werror CC=gcc "CFLAGS=$san" "LDFLAGS=-fsanitize=address,undefined"; then
    record "asan+ubsan build" 0
    (cd "$work/asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        make -j2 check TESTS='$(UNIT_TESTS) $(UNIT_SCRIPT_TESTS) $(MILTER_TESTS) $(CHECK_TESTS)' > check.log 2>&1)
    count_suite "asan+ubsan make check" "$work/asan/test-suite.log"
else
    record "asan+ubsan build" 1
fi

say "fuzzing: every target for ${fuzz_seconds}s"
fz="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
if build fuzz --enable-fuzz CC=clang "CFLAGS=$fz"; then
    while read -r line; do
        case $line in
            PASS:*) record "fuzz ${line#PASS: }" 0 ;;
            FAIL:*) record "fuzz ${line#FAIL: }" 1 ;;
            *) echo "$line" ;;
        esac
    done < <(tests/fuzz/run.sh "$work/fuzz" "$fuzz_seconds")
else
    record "fuzz build" 1
fi

say "mandoc -T lint"
for page in man/*.[1-8]; do
    [ -f "$page" ] || continue
    out=$(mandoc -T lint -W warning "$page" 2>&1)
    if [ -z "$out" ]; then record "mandoc $page" 0; else echo "$out"; record "mandoc $page" 1; fi
done

say "make distcheck"
(cd "$work/gcc" && make -j2 distcheck MILTERKIT_E2E=skip > distcheck.log 2>&1); rc=$?
[ $rc -ne 0 ] && tail -40 "$work/gcc/distcheck.log"
record "make distcheck" $rc

say "Debian package: dpkg-buildpackage from a clean copy, lintian, units, install and purge"
while read -r line; do
    case $line in
        PASS:*) record "package: ${line#PASS: }" 0 ;;
        SKIP:*) record "package: ${line#SKIP: }" 77 ;;
        FAIL:*) record "package: ${line#FAIL: }" 1 ;;
        *) echo "$line" ;;
    esac
done < <(bash tests/package.sh "$work/package")

say "summary"
for n in "${failed_names[@]}"; do echo "failed: $n"; done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
