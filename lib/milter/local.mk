# lib/milter/local.mk - what the daemons share: the site section and the
# settings of every daemon section, the trusted-origin rule, daemon life
# (start, privileges, reload, stop), per-connection state, and the masq
# section's schema and policy (used by milterkit-masq and milterkit-dkim).
# May include every lib/ layer; nothing in lib/ includes it but itself.
lib_libmilterkit_a_SOURCES += \
	lib/milter/site.c lib/milter/site.h \
	lib/milter/crosscheck.c lib/milter/crosscheck.h \
	lib/milter/origin.c lib/milter/origin.h \
	lib/milter/daemon.c lib/milter/daemon.h \
	lib/milter/daemonctl.c lib/milter/daemonctl.h \
	lib/milter/listensock.c lib/milter/listensock.h \
	lib/milter/sockcheck.c lib/milter/sockcheck.h \
	lib/milter/milterconn.c lib/milter/milterconn.h \
	lib/milter/reply.c lib/milter/reply.h \
	lib/milter/macros.c lib/milter/macros.h \
	lib/milter/masq_settings.c lib/milter/masq_settings.h \
	lib/milter/masq_policy.c lib/milter/masq_policy.h
