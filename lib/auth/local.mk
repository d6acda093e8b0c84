# lib/auth/local.mk - SPF (RFC 7208) and DMARC (RFC 9989) evaluation on
# lib/dns; they include lib/core, lib/dns, lib/mail and lib/auth only.
lib_libmilterkit_a_SOURCES += \
	lib/auth/spf_macro.c lib/auth/spf_macro.h \
	lib/auth/spf_record.c lib/auth/spf_record.h \
	lib/auth/spf.c lib/auth/spf.h
lib_libmilterkit_a_SOURCES += \
	lib/auth/dmarc_record.c lib/auth/dmarc_record.h \
	lib/auth/dmarc_walk.c lib/auth/dmarc_walk.h \
	lib/auth/dmarc_from.c lib/auth/dmarc_from.h \
	lib/auth/dmarc.c lib/auth/dmarc.h
