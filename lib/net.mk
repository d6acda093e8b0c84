# lib/net.mk - text map files (more to come: DNS, FCrDNS, access map).
lib_libmilterkit_a_SOURCES += \
	lib/mapfile.c lib/mapfile.h
