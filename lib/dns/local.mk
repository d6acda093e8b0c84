# lib/dns/local.mk - DNS on libunbound (with an answer cache) and forward-confirmed reverse DNS;
# they include lib/core and lib/dns only.
lib_libmilterkit_a_SOURCES += \
	lib/dns/dns.c lib/dns/dns.h \
	lib/dns/dnscache.c lib/dns/dnscache.h \
	lib/dns/fcrdns.c lib/dns/fcrdns.h \
	lib/dns/dnsname.c lib/dns/dnsname.h
