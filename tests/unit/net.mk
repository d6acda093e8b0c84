# tests/unit/net.mk - unit tests of lib/mapfile, lib/access, lib/fcrdns, lib/dns
# (and its answer cache, lib/dns/dnscache).
UNIT_TESTS += tests/unit/test_mapfile
tests_unit_test_mapfile_SOURCES = tests/unit/test_mapfile.c
UNIT_TESTS += tests/unit/test_access
tests_unit_test_access_SOURCES = tests/unit/test_access.c
UNIT_TESTS += tests/unit/test_fcrdns
tests_unit_test_fcrdns_SOURCES = tests/unit/test_fcrdns.c
UNIT_TESTS += tests/unit/test_dnscache
tests_unit_test_dnscache_SOURCES = tests/unit/test_dnscache.c
# test_dns needs a DNS server: test_dns.py starts unbound and runs it.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_dns
UNIT_SCRIPT_TESTS += tests/unit/test_dns.py
endif
tests_unit_test_dns_SOURCES = tests/unit/test_dns.c
