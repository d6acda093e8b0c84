# lib/local.mk - the shared library every daemon and tool links with.
noinst_LIBRARIES += lib/libmilterkit.a
lib_libmilterkit_a_SOURCES = \
	lib/mem.c lib/mem.h \
	lib/str.c lib/str.h \
	lib/log.c lib/log.h \
	lib/cidr.c lib/cidr.h \
	lib/cfg.c lib/cfg.h \
	lib/site.c lib/site.h \
	lib/origin.c lib/origin.h \
	lib/snapshot.c lib/snapshot.h \
	lib/daemon.c lib/daemon.h \
	lib/milterconn.c lib/milterconn.h

# Mail-specific modules, each group in its own fragment.
include lib/addr.mk
include lib/net.mk
include lib/dkim.mk
