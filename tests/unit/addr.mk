# tests/unit/addr.mk - unit tests of lib/addr and lib/masquerade.
UNIT_TESTS += tests/unit/test_addr
tests_unit_test_addr_SOURCES = tests/unit/test_addr.c
UNIT_TESTS += tests/unit/test_masquerade
tests_unit_test_masquerade_SOURCES = tests/unit/test_masquerade.c
