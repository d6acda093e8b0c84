# tools/mc/local.mk - milterkit-mc: sendmail and Postfix configuration for the
# submission port and the ISP's smart host, with the milters attached.
sbin_PROGRAMS += tools/mc/milterkit-mc
MC_MODULES = \
	tools/mc/mc_apply.c tools/mc/mc_apply.h \
	tools/mc/mc_cert.c tools/mc/mc_cert.h \
	tools/mc/mc_check.c tools/mc/mc_check.h \
	tools/mc/mc_file.c tools/mc/mc_file.h \
	tools/mc/mc_job.h \
	tools/mc/mc_macros.c tools/mc/mc_macros.h \
	tools/mc/mc_milters.c tools/mc/mc_milters.h \
	tools/mc/mc_msg.c tools/mc/mc_msg.h \
	tools/mc/mc_out.c tools/mc/mc_out.h \
	tools/mc/mc_pfrun.c tools/mc/mc_pfrun.h \
	tools/mc/mc_postfix.c tools/mc/mc_postfix.h \
	tools/mc/mc_run.c tools/mc/mc_run.h \
	tools/mc/mc_sasl.c tools/mc/mc_sasl.h \
	tools/mc/mc_sendmail.c tools/mc/mc_sendmail.h \
	tools/mc/mc_settings.c tools/mc/mc_settings.h \
	tools/mc/mc_smfiles.c tools/mc/mc_smfiles.h \
	tools/mc/mc_smrun.c tools/mc/mc_smrun.h \
	tools/mc/mc_tmpl.c tools/mc/mc_tmpl.h
tools_mc_milterkit_mc_SOURCES = tools/mc/main.c $(MC_MODULES)
tools_mc_milterkit_mc_LDADD = $(MK_LIBS)
# Templates: installed into $(pkgdatadir); an uninstalled build finds them
# in the source tree.
tools_mc_milterkit_mc_CPPFLAGS = $(AM_CPPFLAGS) -DMC_SRCDIR='"$(abs_top_srcdir)/tools/mc"'
dist_pkgdata_DATA = tools/mc/sendmail.mc.tmpl tools/mc/main.cf.tmpl tools/mc/master.cf.tmpl

dist_man_MANS += man/milterkit-mc.8

# Unit tests of the modules (cmocka).
UNIT_TESTS += tools/mc/test_mc
tools_mc_test_mc_SOURCES = tools/mc/test_mc.c $(MC_MODULES)
tools_mc_test_mc_CPPFLAGS = $(AM_CPPFLAGS) -DMC_SRCDIR='"$(abs_top_srcdir)/tools/mc"'

# The generators, table-driven: a config snippet -> lines of one file.
UNIT_TESTS += tools/mc/test_mcgen
tools_mc_test_mcgen_SOURCES = tools/mc/test_mcgen.c $(MC_MODULES)
tools_mc_test_mcgen_CPPFLAGS = $(AM_CPPFLAGS) -DMC_SRCDIR='"$(abs_top_srcdir)/tools/mc"'
