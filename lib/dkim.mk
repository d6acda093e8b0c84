# lib/dkim.mk - DKIM signing engine: keys parsed once, streaming
# canonicalization, signature assembly (OpenSSL 3).
lib_libmilterkit_a_SOURCES += \
	lib/dkimkey.c lib/dkimkey.h lib/dkimkey_path.c \
	lib/dkimcanon.c lib/dkimcanon.h \
	lib/dkimsign.c lib/dkimsign.h \
	lib/dkimsign_hdrs.c lib/dkimsign_hdrs.h
