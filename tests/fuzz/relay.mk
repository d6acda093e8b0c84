# tests/fuzz/relay.mk - fuzz target of milterkit-relay's own parsing (sender_logins
# values, envelope arguments, domain matching), built with the daemon's policy
# sources as its unit test is.
FUZZ_TARGETS += tests/fuzz/fuzz_relay
tests_fuzz_fuzz_relay_SOURCES = tests/fuzz/fuzz_relay.c \
	milters/relay/relay_policy.c milters/relay/relay_settings.c
tests_fuzz_fuzz_relay_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milters/relay
tests_fuzz_fuzz_relay_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_relay_LDADD = $(MK_LIBS)
EXTRA_DIST += \
	tests/fuzz/corpus/fuzz_relay/logins \
	tests/fuzz/corpus/fuzz_relay/routed \
	tests/fuzz/corpus/fuzz_relay/bad-item
