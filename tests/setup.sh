#!/bin/bash
# tests/setup.sh - shared first steps of tests/ci.sh and tests/demo.sh:
# install what milterkit needs from Debian's packages (apt-get update first,
# waiting for another apt or dpkg to finish; skipped with
# MILTERKIT_CI_SKIP_APT=1), unpack the private MTAs the tests and the demo
# run (tests/e2e/prepare.sh), undo an in-place ./configure of the source
# tree, and regenerate the build system.
# Sourced, not run: it defines setup_packages, setup_mtas, setup_srcdir,
# setup_autoreconf, each taking the file to log to, returning non-zero on
# failure after printing why.

milterkit_packages=(
    autoconf automake make pkg-config gcc clang libclang-rt-14-dev m4
    libmilter-dev libconfig-dev libssl-dev openssl libopendkim-dev libunbound-dev libidn2-dev libcmocka-dev
    miltertest opendkim opendkim-tools python3 python3-dkim python3-nacl python3-aiosmtpd swaks unbound
    libmail-dkim-perl
    sasl2-bin libsasl2-modules mandoc iproute2 procps util-linux debootstrap systemd-container
    libicu72 libnsl2 libdb5.3 netbase ssl-cert cpio
    build-essential dpkg-dev debhelper dh-autoreconf lintian fakeroot git
    systemd python3-seccomp
    libspf2-dev libopendmarc-dev python3-spf python3-yaml opendmarc
)

setup_packages() { # setup_packages LOGFILE
    [ "${MILTERKIT_CI_SKIP_APT:-0}" = 1 ] && return 0
    export DEBIAN_FRONTEND=noninteractive
    # Another apt (unattended-upgrades at boot) holds the lock: wait for it.
    local wait=(-o DPkg::Lock::Timeout=900)
    if ! { apt-get "${wait[@]}" update -qq &&
           apt-get "${wait[@]}" install -y -qq --no-install-recommends \
               "${milterkit_packages[@]}"; } > "$1" 2>&1; then
        tail -20 "$1"
        return 1
    fi
}

setup_mtas() { # setup_mtas LOGFILE
    bash tests/e2e/prepare.sh > "$1" 2>&1 || { tail -30 "$1"; return 1; }
}

# A source tree configured in place (./configure run in it) makes every
# build in another directory fail with "source directory already
# configured": undo it with make distclean there.
setup_srcdir() { # setup_srcdir LOGFILE
    [ -f config.status ] || return 0
    echo "the source tree was configured in place: make distclean there first"
    { [ -f Makefile ] && make distclean; } > "$1" 2>&1
    [ -f config.status ] && { tail -20 "$1"; echo "config.status is still there; remove it"; return 1; }
    return 0
}

setup_autoreconf() { # setup_autoreconf LOGFILE
    autoreconf -fi > "$1" 2>&1 || { cat "$1"; return 1; }
}
