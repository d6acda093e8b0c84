# lib/local.mk - the shared library every daemon and tool links with.
noinst_LIBRARIES += lib/libmilterkit.a
lib_libmilterkit_a_SOURCES = \
	lib/mem.c lib/mem.h \
	lib/str.c lib/str.h \
	lib/log.c lib/log.h
