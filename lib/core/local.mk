# lib/core/local.mk - generic modules; they include only lib/core.
lib_libmilterkit_a_SOURCES += \
	lib/core/mem.c lib/core/mem.h \
	lib/core/str.c lib/core/str.h \
	lib/core/log.c lib/core/log.h \
	lib/core/cidr.c lib/core/cidr.h \
	lib/core/cfg.c lib/core/cfg.h \
	lib/core/cfghint.c lib/core/cfghint.h \
	lib/core/dname.c lib/core/dname.h \
	lib/core/snapshot.c lib/core/snapshot.h \
	lib/core/fileio.c lib/core/fileio.h \
	lib/core/spawn.c lib/core/spawn.h \
	lib/core/sockspec.c lib/core/sockspec.h
