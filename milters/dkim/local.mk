# milters/dkim/local.mk - milterkit-dkim.
# It reads the "masq" section with the schema and policy milterkit-masq uses
# (lib/masq_settings, lib/masq_policy): the same rewrite before signing.
sbin_PROGRAMS += milters/dkim/milterkit-dkim
milters_dkim_milterkit_dkim_SOURCES = \
	milters/dkim/main.c \
	milters/dkim/dkim_settings.c milters/dkim/dkim_settings.h \
	milters/dkim/dkim_policy.c milters/dkim/dkim_policy.h \
	milters/dkim/dkim_milter.c milters/dkim/dkim_milter.h \
	milters/dkim/dkim_sign.c milters/dkim/dkim_sign.h \
	milters/dkim/dkim_verify.c milters/dkim/dkim_verify.h \
	milters/dkim/dkim_tags.c milters/dkim/dkim_tags.h \
	milters/dkim/dkim_ar.c milters/dkim/dkim_ar.h \
	milters/dkim/dkim_auth.c milters/dkim/dkim_auth.h
milters_dkim_milterkit_dkim_LDADD = $(MK_LIBS)
dist_man_MANS += man/milterkit-dkim.8
