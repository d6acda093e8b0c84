# tests/unit/core.mk - unit tests of the generic lib/ modules.
UNIT_TESTS += tests/unit/test_cidr tests/unit/test_cfg tests/unit/test_origin \
	tests/unit/test_dname
UNIT_TESTS += tests/unit/test_fileio
tests_unit_test_fileio_SOURCES = tests/unit/test_fileio.c
UNIT_TESTS += tests/unit/test_spawn
tests_unit_test_spawn_SOURCES = tests/unit/test_spawn.c
tests_unit_test_cidr_SOURCES = tests/unit/test_cidr.c
tests_unit_test_cfg_SOURCES = tests/unit/test_cfg.c
tests_unit_test_origin_SOURCES = tests/unit/test_origin.c
tests_unit_test_dname_SOURCES = tests/unit/test_dname.c
UNIT_TESTS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
UNIT_TESTS += tests/unit/test_listensock
tests_unit_test_listensock_SOURCES = tests/unit/test_listensock.c
