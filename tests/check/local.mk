# tests/check/local.mk - checks over the source tree itself: the include
# rules of lib/README (layers, no circle).
CHECK_TESTS += tests/check/layers.py
TESTS += $(CHECK_TESTS)
EXTRA_DIST += $(CHECK_TESTS)
