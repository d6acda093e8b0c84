# milters/masq/local.mk - milterkit-masq.
sbin_PROGRAMS += milters/masq/milterkit-masq
milters_masq_milterkit_masq_SOURCES = \
	milters/masq/main.c \
	milters/masq/masq_milter.c milters/masq/masq_milter.h
milters_masq_milterkit_masq_LDADD = $(MK_LIBS)
