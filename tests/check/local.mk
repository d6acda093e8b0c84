# tests/check/local.mk - checks over the source tree itself: the include
# rules of lib/README (layers, no circle), a "Returns" line on every
# fallible prototype (contracts.py), the README's install section as its
# e2e test reads it (readme-install.py); and over what it installs
# (install.mk).
CHECK_TESTS += tests/check/layers.py tests/check/contracts.py tests/check/readme-install.py
include tests/check/install.mk
TESTS += $(CHECK_TESTS)
EXTRA_DIST += $(CHECK_TESTS)
