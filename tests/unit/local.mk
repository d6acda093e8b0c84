# tests/unit/local.mk - the unit tier: cmocka unit tests, one program per
# lib/ module (UNIT_TESTS), and scripts that run one program of ours on
# fixed inputs (UNIT_SCRIPT_TESTS).
# Test programs link with the default LDADD (lib + cmocka).
# Each test program is added by the module's owner as:
#   UNIT_TESTS += tests/unit/test_MODULE
#   tests_unit_test_MODULE_SOURCES = tests/unit/test_MODULE.c
UNIT_TESTS += tests/unit/test_str
tests_unit_test_str_SOURCES = tests/unit/test_str.c

include tests/unit/modules.mk

# Unit-tier scripts (a program of ours run against fixed inputs, no MTA).
UNIT_SCRIPT_TESTS += tests/unit/keygen-generate.py

if HAVE_CMOCKA
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif
TESTS += $(UNIT_SCRIPT_TESTS)
EXTRA_DIST += $(UNIT_SCRIPT_TESTS)
