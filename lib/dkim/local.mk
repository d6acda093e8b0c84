# lib/dkim/local.mk - the DKIM signing engine: keys parsed once, streaming
# canonicalization, signature assembly (OpenSSL 3), and key records (the
# TXT record published for a key, checked against it); they include
# lib/core and lib/dkim only.
lib_libmilterkit_a_SOURCES += \
	lib/dkim/dkimkey.c lib/dkim/dkimkey.h lib/dkim/dkimkey_path.c \
	lib/dkim/dkimcanon.c lib/dkim/dkimcanon.h \
	lib/dkim/dkimnorm.c lib/dkim/dkimnorm.h \
	lib/dkim/dkimsign.c lib/dkim/dkimsign.h \
	lib/dkim/dkimsign_hdrs.c lib/dkim/dkimsign_hdrs.h \
	lib/dkim/dkimrec.c lib/dkim/dkimrec.h
