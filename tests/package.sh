#!/bin/bash
# tests/package.sh - the Debian package as a user gets it, checked by
# tests/ci.sh:
#   1. dpkg-buildpackage -us -uc -b in a clean copy of the tree (its tracked
#      files, uncommitted edits included; nothing a build made), without
#      the tests (DEB_BUILD_OPTIONS=nocheck: ci.sh runs them all anyway);
#   2. lintian on the result: no error and no warning (the justified ones
#      are overridden in debian/milterkit.lintian-overrides);
#   3. systemd-analyze verify on the units as packaged;
#   4. as root, on a machine where milterkit is not installed:
#      apt-get install ./milterkit_*.deb (without the recommended MTA): the
#      milterkit user, /run/milterkit-NAME, the conffiles, units installed
#      but not enabled, -n of the daemons on the installed sample, the
#      README's key step; then, in a private mount namespace with a
#      stand-in group postfix and spool (the machine's own Postfix, if
#      any, is never touched), Postfix "installed later": the trigger makes
#      /var/spool/postfix/milterkit (milterkit:postfix 0750), and
#      `apt-get purge milterkit` removes it; finally no file is left that
#      was not there before (the milterkit user stays, as Debian keeps
#      system users).  MILTERKIT_CI_SKIP_INSTALL=1 skips this step.
# Usage: bash tests/package.sh WORKDIR.  Prints one "PASS: what",
# "FAIL: what" or "SKIP: what" line per check (ci.sh counts them), and the
# end of the log of what failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:?usage: tests/package.sh WORKDIR}
src=$work/src/milterkit

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }
# check WHAT COMMAND...: PASS or FAIL with the command's output
check() {
    local what=$1 out
    shift
    if out=$("$@" 2>&1); then pass "$what"; else fail "$what"; echo "$out" | tail -20; fi
}

rm -rf "$work"
mkdir -p "$src" || exit 1

# 1. Build from a clean copy.
if ! git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
    fail "package build: $top is not a git checkout (the copy is made of its tracked files)"
    exit 0
fi
(cd "$top" && git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2> /dev/null) |
    tar -xf - -C "$src"
if (cd "$src" && DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" \
        dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1; then
    pass "dpkg-buildpackage -us -uc -b (clean copy)"
else
    fail "dpkg-buildpackage -us -uc -b (clean copy), see $work/build.log"
    tail -30 "$work/build.log"
    exit 0
fi
deb=$(ls "$work"/src/milterkit_*_*.deb)
changes=$(ls "$work"/src/milterkit_*.changes)

# 2. lintian.
if lintian --fail-on error,warning "$changes" > "$work/lintian.log" 2>&1; then
    pass "lintian: no error, no warning"
else
    fail "lintian: errors or warnings, see $work/lintian.log"
    grep -E '^[EW]:' "$work/lintian.log"
fi

# 3. The units as packaged: binaries and pages looked up in the package.
root=$work/root
dpkg-deb -x "$deb" "$root"
mkdir -p "$work/units"
ok=1
for unit in "$root"/lib/systemd/system/milterkit-*.service; do
    sed -e "s|=/usr/sbin/|=$root/usr/sbin/|g" "$unit" > "$work/units/${unit##*/}"
    out=$(MANPATH=$root/usr/share/man: systemd-analyze verify "$work/units/${unit##*/}" 2>&1)
    if [ $? -ne 0 ] || [ -n "$out" ]; then ok=0; echo "${unit##*/}: $out"; fi
done
if [ $ok = 1 ]; then pass "systemd-analyze verify (packaged units)"; else fail "systemd-analyze verify (packaged units)"; fi

# 4. Install and purge.
if [ "${MILTERKIT_CI_SKIP_INSTALL:-0}" = 1 ]; then
    skip "package install and purge (MILTERKIT_CI_SKIP_INSTALL=1)"; exit 0
fi
if [ "$(id -u)" != 0 ]; then skip "package install and purge (not root)"; exit 0; fi
if dpkg-query -W -f='${Status}' milterkit 2> /dev/null | grep -q installed; then
    skip "package install and purge (milterkit is installed here: left alone)"; exit 0
fi
snapshot() {
    find /etc /usr /lib /opt /var /run -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt \
        -o -path /var/cache -o -path /var/log -o -path /var/tmp -o -path /run/user \
        -o -path /var/lib/systemd/deb-systemd-helper-enabled -o -path '/run/milterkit-*-*' \) \
        -prune -o -print 2> /dev/null | sort
}
snapshot > "$work/before.txt"
export DEBIAN_FRONTEND=noninteractive
if apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "$deb" \
        > "$work/install.log" 2>&1; then
    pass "apt-get install ./${deb##*/}"
else
    fail "apt-get install ./${deb##*/}, see $work/install.log"; tail -20 "$work/install.log"
    exit 0
fi
check "the milterkit system user" getent passwd milterkit
for d in masq relay dkim; do
    check "/run/milterkit-$d: milterkit:milterkit 0750" \
        test "$(stat -c '%U:%G %a' /run/milterkit-$d 2>&1)" = "milterkit:milterkit 750"
done
check "milterkit.conf and access are conffiles" sh -c \
    "dpkg-query -W -f='\${Conffiles}' milterkit | grep -q ' /etc/milterkit/milterkit.conf ' &&
     dpkg-query -W -f='\${Conffiles}' milterkit | grep -q ' /etc/milterkit/access '"
check "units installed, not enabled" sh -c \
    "test -f /lib/systemd/system/milterkit-dkim.service &&
     ! ls /etc/systemd/system/*/milterkit-* > /dev/null 2>&1"
check "systemd-analyze verify (installed units)" sh -c \
    'out=$(systemd-analyze verify /lib/systemd/system/milterkit-*.service 2>&1) && test -z "$out" || { echo "$out"; false; }'
check "milterkit-masq -n and milterkit-relay -n on the installed sample" sh -c \
    "milterkit-masq -n && milterkit-relay -n"
check "milterkit-dkim -n after the README's key step" sh -c '
    mkdir -p /etc/milterkit/keys/example.net &&
    milterkit-keygen -d example.net -s 202611 -D /etc/milterkit/keys/example.net > /dev/null &&
    milterkit-keygen -d example.net -s 202611e -a ed25519 -D /etc/milterkit/keys/example.net > /dev/null &&
    chown milterkit /etc/milterkit/keys/example.net/*.private &&
    milterkit-dkim -n'
rm -rf /etc/milterkit/keys

# Postfix installed after milterkit, then the purge, in a private mount
# namespace: a stand-in group postfix and an empty spool on a tmpfs.
cat > "$work/postfix-later.sh" << 'EOF'
set -e
mount --make-rprivate /
cp /etc/group "$1/group" && echo "postfix:x:$(( 60000 + $$ % 5000 )):" >> "$1/group"
mount --bind "$1/group" /etc/group
mount -t tmpfs -o mode=0755 milterkit-test /var/spool
mkdir /var/spool/postfix
dpkg-trigger --no-await /usr/sbin/postfix
dpkg --triggers-only milterkit
echo "after the trigger: $(stat -c '%U:%G %a' /var/spool/postfix/milterkit)"
apt-get -o DPkg::Lock::Timeout=900 purge -y milterkit > "$1/purge.log" 2>&1
echo "after the purge: $(ls -A /var/spool/postfix | tr '\n' ' ')"
EOF
out=$(unshare -m sh "$work/postfix-later.sh" "$work" 2>&1)
echo "$out" | grep -q '^after the trigger: milterkit:postfix 750$' &&
    pass "Postfix installed later: the trigger makes /var/spool/postfix/milterkit" ||
    { fail "Postfix installed later: the trigger makes /var/spool/postfix/milterkit"; echo "$out"; }
echo "$out" | grep -q '^after the purge: $' &&
    pass "apt-get purge removes /var/spool/postfix/milterkit" ||
    { fail "apt-get purge removes /var/spool/postfix/milterkit"; echo "$out"; }
if dpkg-query -W -f='${Status}' milterkit 2> /dev/null | grep -q installed; then
    apt-get -o DPkg::Lock::Timeout=900 purge -y milterkit >> "$work/purge.log" 2>&1
fi
# With a real Postfix here, the install made the real directory, which the
# purge in the namespace could not see (it removed the stand-in).
if [ -d /var/spool/postfix/milterkit ] && ! grep -qx /var/spool/postfix/milterkit "$work/before.txt"; then
    echo "note: removing /var/spool/postfix/milterkit of this machine's Postfix (purged in the namespace)"
    rm -rf /var/spool/postfix/milterkit
fi
check "apt-get purge milterkit" sh -c "! dpkg-query -W -f='\${Status}' milterkit 2>/dev/null | grep -q installed"
snapshot > "$work/after.txt"
if diff "$work/before.txt" "$work/after.txt" > "$work/leftovers.txt"; then
    pass "install then purge leaves nothing behind (the milterkit user stays)"
else
    fail "install then purge left files, see $work/leftovers.txt"; head -20 "$work/leftovers.txt"
fi
exit 0
