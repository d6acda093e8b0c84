# milters/relay/local.mk - milterkit-relay.
sbin_PROGRAMS += milters/relay/milterkit-relay
milters_relay_milterkit_relay_SOURCES = \
	milters/relay/main.c \
	milters/relay/relay_settings.c milters/relay/relay_settings.h \
	milters/relay/relay_milter.c milters/relay/relay_milter.h \
	milters/relay/relay_policy.c milters/relay/relay_policy.h
milters_relay_milterkit_relay_LDADD = $(MK_LIBS)
dist_man_MANS += man/milterkit-relay.8
# Unit tests of the daemon's own policy helpers (lib/ parts have theirs in tests/unit).
UNIT_TESTS += milters/relay/test_relay_policy
milters_relay_test_relay_policy_SOURCES = milters/relay/test_relay_policy.c \
	milters/relay/relay_policy.c milters/relay/relay_settings.c
