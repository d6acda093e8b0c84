# tests/unit/addr.mk - unit tests of lib/mail: addr, masquerade, hdrfield.
UNIT_TESTS += tests/unit/test_addr
tests_unit_test_addr_SOURCES = tests/unit/test_addr.c
UNIT_TESTS += tests/unit/test_masquerade
tests_unit_test_masquerade_SOURCES = tests/unit/test_masquerade.c
UNIT_TESTS += tests/unit/test_hdrfield
tests_unit_test_hdrfield_SOURCES = tests/unit/test_hdrfield.c
