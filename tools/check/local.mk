# tools/check/local.mk - milterkit-check: whether the site works, as a
# checklist with the fix for each problem (milterkit-check(8)).
sbin_PROGRAMS += tools/check/milterkit-check
CHECK_MODULES = \
	tools/check/ck_access.c tools/check/ck_access.h \
	tools/check/ck_conf.c tools/check/ck_conf.h \
	tools/check/ck_daemons.c tools/check/ck_daemons.h \
	tools/check/ck_dmarccheck.c tools/check/ck_dmarccheck.h \
	tools/check/ck_dnscheck.c tools/check/ck_dnscheck.h \
	tools/check/ck_keys.c tools/check/ck_keys.h \
	tools/check/ck_mpkt.c tools/check/ck_mpkt.h \
	tools/check/ck_mta.c tools/check/ck_mta.h \
	tools/check/ck_mtaopts.h \
	tools/check/ck_pfconf.c tools/check/ck_pfconf.h \
	tools/check/ck_postfix.c tools/check/ck_postfix.h \
	tools/check/ck_probe.c tools/check/ck_probe.h \
	tools/check/ck_report.c tools/check/ck_report.h \
	tools/check/ck_send.c tools/check/ck_send.h \
	tools/check/ck_sendmail.c tools/check/ck_sendmail.h \
	tools/check/ck_smcf.c tools/check/ck_smcf.h \
	tools/check/ck_sock.c tools/check/ck_sock.h \
	tools/check/ck_spfcheck.c tools/check/ck_spfcheck.h
tools_check_milterkit_check_SOURCES = tools/check/main.c $(CHECK_MODULES)
tools_check_milterkit_check_LDADD = $(MK_LIBS)
# The daemons it runs with -n live in sbindir.
tools_check_milterkit_check_CPPFLAGS = $(AM_CPPFLAGS) -DSBINDIR='"$(sbindir)"'

dist_man_MANS += man/milterkit-check.8

# Unit tests of the modules (cmocka); the program itself is tested end to
# end by tests/e2e/check-*.py.
UNIT_TESTS += tools/check/test_check
tools_check_test_check_SOURCES = tools/check/test_check.c $(CHECK_MODULES)
# The spf and dmarc items against the unit tier's stub DNS.
UNIT_TESTS += tests/unit/test_check_dns
tests_unit_test_check_dns_SOURCES = tests/unit/test_check_dns.c \
	tools/check/ck_spfcheck.c tools/check/ck_spfcheck.h \
	tools/check/ck_dmarccheck.c tools/check/ck_dmarccheck.h \
	tools/check/ck_report.c tools/check/ck_report.h \
	tests/unit/dns_stub.c tests/unit/dns_stub.h

# Every reader of untrusted input is fuzzed (tests/fuzz/run.sh).
# (The SPF and DMARC records it reads are lib/auth's parsers, fuzzed by
# fuzz_spf and fuzz_dmarc.)
FUZZ_TARGETS += tests/fuzz/fuzz_check_milter tests/fuzz/fuzz_check_mtaconf
tests_fuzz_fuzz_check_milter_SOURCES = tests/fuzz/fuzz_check_milter.c \
	tools/check/ck_mpkt.c tools/check/ck_mpkt.h
tests_fuzz_fuzz_check_milter_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_check_milter_LDADD = $(MK_LIBS)
tests_fuzz_fuzz_check_mtaconf_SOURCES = tests/fuzz/fuzz_check_mtaconf.c \
	tools/check/ck_smcf.c tools/check/ck_smcf.h \
	tools/check/ck_pfconf.c tools/check/ck_pfconf.h \
	tools/check/ck_sock.c tools/check/ck_sock.h
tests_fuzz_fuzz_check_mtaconf_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_check_mtaconf_LDADD = $(MK_LIBS)
EXTRA_DIST += \
	tests/fuzz/corpus/fuzz_check_milter/optneg-macros \
	tests/fuzz/corpus/fuzz_check_milter/smtp-banner \
	tests/fuzz/corpus/fuzz_check_mtaconf/sendmail-cf \
	tests/fuzz/corpus/fuzz_check_mtaconf/postconf
