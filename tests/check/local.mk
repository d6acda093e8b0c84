# tests/check/local.mk - checks over the source tree itself: the include
# rules of lib/README (layers, no circle); and over what it installs
# (install.mk).
CHECK_TESTS += tests/check/layers.py
include tests/check/install.mk
TESTS += $(CHECK_TESTS)
EXTRA_DIST += $(CHECK_TESTS)
