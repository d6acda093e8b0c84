# lib/addr.mk - RFC 5322 address parsing and sendmail-style masquerading.
lib_libmilterkit_a_SOURCES += \
	lib/addr.c lib/addr.h \
	lib/masquerade.c lib/masquerade.h \
	lib/masq_settings.c lib/masq_settings.h \
	lib/masq_policy.c lib/masq_policy.h
