#!/bin/bash
# run.sh - run every libFuzzer target built in BUILDDIR for SECONDS each,
# JOBS at a time (default: the number of CPUs, at most 4), each from a copy
# of its seed corpus (tests/fuzz/corpus/NAME).
# usage: run.sh BUILDDIR [SECONDS [JOBS]]
# Prints one "PASS: name" or "FAIL: name" line per target (with the end of
# its log on failure); exits 1 on a failure.
set -u
builddir=$1
secs=${2:-30}
jobs=${3:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs" -gt 4 ] && jobs=4
srcdir=$(cd "$(dirname "$0")" && pwd)
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

run_one() { # run_one TARGET: writes results/NAME.ok or .fail
    local t=$1 name corpus
    name=$(basename "$t")
    corpus=$(mktemp -d)
    [ -d "$srcdir/corpus/$name" ] && cp "$srcdir/corpus/$name"/* "$corpus"/ 2>/dev/null
    if "$t" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
          "$corpus" > "$builddir/$name.log" 2>&1; then
        : > "$results/$name.ok"
    else
        : > "$results/$name.fail"
    fi
    rm -rf "$corpus"
}

running=0
for t in "$builddir"/tests/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
wait

fail=0
for t in "$builddir"/tests/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    if [ -e "$results/$name.ok" ]; then
        echo "PASS: $name"
    else
        echo "FAIL: $name (see $builddir/$name.log)"; tail -30 "$builddir/$name.log"
        fail=1
    fi
done
exit $fail
