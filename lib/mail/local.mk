# lib/mail/local.mk - RFC 5322 addresses, sendmail-style masquerading, text
# map files and sendmail's access map; they include lib/core and lib/mail only.
lib_libmilterkit_a_SOURCES += \
	lib/mail/addr.c lib/mail/addr.h \
	lib/mail/masquerade.c lib/mail/masquerade.h \
	lib/mail/mapfile.c lib/mail/mapfile.h \
	lib/mail/access.c lib/mail/access.h \
	lib/mail/hdrfield.c lib/mail/hdrfield.h
