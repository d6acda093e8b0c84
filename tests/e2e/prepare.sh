#!/bin/sh
# tests/e2e/prepare.sh - unpack Debian's sendmail 8.17 and Postfix 3.7 into a
# private tree for the end-to-end tests, without installing either MTA.
#
# Run as root (CI runs it after `apt-get update`).  Idempotent, and fast when
# already done.  It:
#   - installs with apt-get only the shared libraries the two MTAs link with
#     (never an MTA package);
#   - `apt-get download`s sendmail-bin, sendmail-base, sendmail-cf and postfix
#     into $MILTERKIT_E2E_CACHE;
#   - `dpkg -x`es them into $MILTERKIT_E2E_ROOT/sendmail and
#     $MILTERKIT_E2E_ROOT/postfix (two trees: both ship usr/sbin/sendmail);
#   - builds the base of the throwaway Debian machines of the install-path
#     tests (tests/lib/mktest/machine.py) with debootstrap: Debian 12
#     minbase plus systemd, in $MILTERKIT_E2E_MACHINE (default
#     /var/cache/milterkit-e2e/deb12), from the host's apt mirror.
# It creates no user or group: the private Postfix runs as nobody/nogroup
# with setgid_group "mail" (see tests/e2e/mta.py).  It never touches
# /etc/mail, /etc/postfix or the system's MTA.
#
# Environment: MILTERKIT_E2E_ROOT    (default /var/cache/milterkit-e2e/root)
#              MILTERKIT_E2E_CACHE   (default /var/cache/milterkit-e2e/debs)
#              MILTERKIT_E2E_MACHINE (default /var/cache/milterkit-e2e/deb12)
set -eu

ROOT=${MILTERKIT_E2E_ROOT:-/var/cache/milterkit-e2e/root}
CACHE=${MILTERKIT_E2E_CACHE:-/var/cache/milterkit-e2e/debs}
MACHINE=${MILTERKIT_E2E_MACHINE:-/var/cache/milterkit-e2e/deb12}
STAMP_VERSION=1
MACHINE_STAMP=1
# What the machine base holds beyond minbase: systemd as init, and ip(8).
MACHINE_INCLUDE=systemd,systemd-sysv,dbus,iproute2

SENDMAIL_DEBS="sendmail-bin sendmail-base sendmail-cf"
POSTFIX_DEBS="postfix"
# Libraries the unpacked binaries need (from the packages' Depends lines).
LIBS="libdb5.3 libicu72 libnsl2 libsasl2-2 libssl3 libldap-2.5-0 liblockfile1 libwrap0 m4"

say() { echo "prepare.sh: $*"; }

if [ "$(id -u)" != 0 ]; then
	say "must run as root" >&2
	exit 1
fi

# 1. Libraries, only those missing.
missing=
for p in $LIBS; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in ii*) ;; *) missing="$missing $p" ;; esac
done
if [ -n "$missing" ]; then
	say "installing libraries:$missing"
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing
fi

stamp_ok() {
	[ -f "$ROOT/.prepared" ] &&
	[ "$(cat "$ROOT/.prepared")" = "$STAMP_VERSION" ] &&
	[ -x "$ROOT/sendmail/usr/libexec/sendmail/sendmail" ] &&
	[ -f "$ROOT/sendmail/usr/share/sendmail/cf/m4/cf.m4" ] &&
	[ -x "$ROOT/postfix/usr/lib/postfix/sbin/master" ] &&
	[ -x "$ROOT/postfix/usr/sbin/postfix" ]
}

# The machine base (debootstrap), built once; independent of the MTA trees.
prepare_machine() {
	if [ -f "$MACHINE/.prepared" ] && [ "$(cat "$MACHINE/.prepared")" = "$MACHINE_STAMP" ]; then
		say "machine base already in $MACHINE"
		return 0
	fi
	mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
	tmpm="$MACHINE.new.$$"
	rm -rf "$tmpm"
	say "debootstrap of the machine base from $mirror"
	debootstrap --variant=minbase --include="$MACHINE_INCLUDE" bookworm "$tmpm" "$mirror" \
		>"$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log"; rm -rf "$tmpm"; return 1; }
	# No getty on the console, nothing that waits for a network.
	chroot "$tmpm" systemctl mask console-getty.service systemd-networkd-wait-online.service \
		apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer >/dev/null 2>&1 || true
	rm -f "$tmpm/etc/machine-id"; : >"$tmpm/etc/machine-id"
	echo "$MACHINE_STAMP" >"$tmpm/.prepared"
	rm -rf "$MACHINE"
	mv "$tmpm" "$MACHINE"
	say "machine base in $MACHINE"
}
mkdir -p "$CACHE"
prepare_machine

if stamp_ok; then
	say "already prepared in $ROOT"
	exit 0
fi

# 2. Download (apt-get download writes into the current directory).
mkdir -p "$CACHE"
# _apt cannot write into a root-only directory; let it, to avoid apt's warning.
chmod 0755 "$CACHE"; chown _apt "$CACHE" 2>/dev/null || true
cd "$CACHE"
for p in $SENDMAIL_DEBS $POSTFIX_DEBS; do
	if ! ls "${p}"_*.deb >/dev/null 2>&1; then
		say "downloading $p"
		apt-get download -q "$p"
	fi
done

# shellcheck disable=SC2012 # Debian package file names are plain
newest() { ls -1 "$CACHE/${1}"_*.deb | sort -V | tail -n 1; }

# 3. Unpack into a fresh tree, then move it into place.
tmp="$ROOT.new.$$"
rm -rf "$tmp"
mkdir -p "$tmp/sendmail" "$tmp/postfix"
trap 'rm -rf "$tmp"' EXIT
for p in $SENDMAIL_DEBS; do dpkg -x "$(newest "$p")" "$tmp/sendmail"; done
for p in $POSTFIX_DEBS; do dpkg -x "$(newest "$p")" "$tmp/postfix"; done
echo "$STAMP_VERSION" >"$tmp/.prepared"
chmod 0755 "$tmp"
rm -rf "$ROOT"
mkdir -p "$(dirname "$ROOT")"
mv "$tmp" "$ROOT"
trap - EXIT
say "unpacked into $ROOT"
