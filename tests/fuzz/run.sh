#!/bin/sh
# run.sh - run every libFuzzer target built in BUILDDIR for SECONDS each.
# usage: run.sh BUILDDIR [SECONDS]
# Prints one "PASS: name" or "FAIL: name" line per target; exits 1 on a failure.
set -u
builddir=$1
secs=${2:-30}
srcdir=$(cd "$(dirname "$0")" && pwd)
fail=0
for t in "$builddir"/tests/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    corpus=$(mktemp -d)
    [ -d "$srcdir/corpus/$name" ] && cp "$srcdir/corpus/$name"/* "$corpus"/ 2>/dev/null
    if "$t" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
          "$corpus" > "$builddir/$name.log" 2>&1; then
        echo "PASS: $name"
    else
        echo "FAIL: $name (see $builddir/$name.log)"; tail -30 "$builddir/$name.log"
        fail=1
    fi
    rm -rf "$corpus"
done
exit $fail
