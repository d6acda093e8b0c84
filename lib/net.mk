# lib/net.mk - DNS (libunbound), forward-confirmed reverse DNS, text map
# files and sendmail's access map.
lib_libmilterkit_a_SOURCES += \
	lib/mapfile.c lib/mapfile.h \
	lib/access.c lib/access.h \
	lib/dns.c lib/dns.h \
	lib/fcrdns.c lib/fcrdns.h
