#!/bin/bash
# tests/setup.sh - shared first steps of tests/ci.sh and tests/demo.sh:
# install what milterkit needs from Debian's packages (apt-get update first;
# skipped with MILTERKIT_CI_SKIP_APT=1), unpack the private MTAs the tests
# and the demo run (tests/e2e/prepare.sh), and regenerate the build system.
# Sourced, not run: it defines setup_packages, setup_mtas, setup_autoreconf,
# each returning non-zero on failure after printing why.

milterkit_packages=(
    autoconf automake make pkg-config gcc clang libclang-rt-14-dev m4
    libmilter-dev libconfig-dev libssl-dev openssl libopendkim-dev libunbound-dev libcmocka-dev
    miltertest opendkim opendkim-tools python3 python3-dkim python3-aiosmtpd swaks unbound
    libmail-dkim-perl
    sasl2-bin libsasl2-modules mandoc iproute2 procps util-linux
    libicu72 libnsl2 libdb5.3 netbase ssl-cert cpio
)

setup_packages() {
    [ "${MILTERKIT_CI_SKIP_APT:-0}" = 1 ] && return 0
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
            "${milterkit_packages[@]}"; } > /tmp/milterkit-apt.log 2>&1; then
        tail -20 /tmp/milterkit-apt.log
        return 1
    fi
}

setup_mtas() { # setup_mtas LOGFILE
    bash tests/e2e/prepare.sh > "$1" 2>&1 || { tail -30 "$1"; return 1; }
}

setup_autoreconf() {
    autoreconf -fi > /tmp/milterkit-autoreconf.log 2>&1 || { cat /tmp/milterkit-autoreconf.log; return 1; }
}
