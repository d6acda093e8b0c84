# tests/unit/local.mk - cmocka unit tests, one program per lib/ module.
# Test programs link with the default LDADD (lib + cmocka).
# Each test program is added by the module's owner as:
#   UNIT_TESTS += tests/unit/test_MODULE
#   tests_unit_test_MODULE_SOURCES = tests/unit/test_MODULE.c
UNIT_TESTS += tests/unit/test_str
tests_unit_test_str_SOURCES = tests/unit/test_str.c

include tests/unit/modules.mk

if HAVE_CMOCKA
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif
