# etc/local.mk - sample configuration, systemd units, tmpfiles.d.
#
# The configuration files (milterkit.conf, access) are the user's once
# installed: `make install` puts the samples there only when they are
# absent, and always beside them as NAME.dist, so that an upgrade never
# overwrites an edited file.  `make uninstall` removes the .dist files, and
# a configuration file only while it is still the unedited sample.
# The sendmail sample goes to the examples directory.
# The samples in etc/ name /etc/milterkit (the package's --sysconfdir=/etc);
# the installed ones name the configured sysconfdir (etc/samples/, made by
# make), like the man pages and the programs' -h output.
milterkitconfdir = $(sysconfdir)/milterkit
examplesdir = $(docdir)/examples
examples_DATA = etc/samples/milterkit-sendmail.conf
MK_CONF_SAMPLES = etc/samples/milterkit.conf etc/samples/access
MK_SAMPLES = $(MK_CONF_SAMPLES) $(examples_DATA)
noinst_DATA = $(MK_CONF_SAMPLES)
CLEANFILES += $(MK_SAMPLES)
EXTRA_DIST += etc/milterkit.conf etc/access etc/milterkit-sendmail.conf

mk_edit_paths = $(SED) -e 's|/etc/milterkit|$(sysconfdir)/milterkit|g' \
	-e 's|/usr/share/doc/milterkit|$(docdir)|g' -e 's|/usr/lib/tmpfiles.d|$(tmpfilesdir)|g' \
	-e 's|/lib/systemd/system|$(systemdsystemunitdir)|g'

$(MK_SAMPLES): Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/samples && \
	  $(mk_edit_paths) $(srcdir)/etc/`basename $@` > $@.tmp && mv -f $@.tmp $@
etc/samples/milterkit.conf: $(srcdir)/etc/milterkit.conf
etc/samples/access: $(srcdir)/etc/access
etc/samples/milterkit-sendmail.conf: $(srcdir)/etc/milterkit-sendmail.conf

install-data-local: install-mk-conf
uninstall-local: uninstall-mk-conf

install-mk-conf: $(MK_CONF_SAMPLES)
	$(MKDIR_P) '$(DESTDIR)$(milterkitconfdir)'
	@for f in $(MK_CONF_SAMPLES); do \
	  b=`basename $$f`; dst='$(DESTDIR)$(milterkitconfdir)'/$$b; \
	  echo " $(INSTALL_DATA) $$f $$dst.dist"; \
	  $(INSTALL_DATA) $$f "$$dst.dist" || exit 1; \
	  if test -e "$$dst"; then \
	    echo "  $$dst exists: kept (the new sample is $$b.dist)"; \
	  else \
	    echo " $(INSTALL_DATA) $$f $$dst"; \
	    $(INSTALL_DATA) $$f "$$dst" || exit 1; \
	  fi; \
	done

uninstall-mk-conf:
	@for f in $(MK_CONF_SAMPLES); do \
	  b=`basename $$f`; dst='$(DESTDIR)$(milterkitconfdir)'/$$b; \
	  if test -f "$$dst" && test -f "$$dst.dist" && cmp -s "$$dst.dist" "$$dst"; then \
	    echo " rm -f $$dst"; rm -f "$$dst"; \
	  elif test -e "$$dst"; then \
	    echo "  $$dst was edited: kept"; \
	  fi; \
	  echo " rm -f $$dst.dist"; rm -f "$$dst.dist"; \
	done

# Units: one per daemon, from one template, with the configured sbindir and
# sysconfdir (a --prefix build gets units that run its own binaries).
systemdsystemunit_DATA = etc/milterkit-masq.service etc/milterkit-relay.service \
	etc/milterkit-dkim.service
CLEANFILES += $(systemdsystemunit_DATA)
EXTRA_DIST += etc/milterkit.service.in

mk_edit_unit = $(SED) -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g'

$(systemdsystemunit_DATA): $(srcdir)/etc/milterkit.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && name=`basename $@ .service` && name=$${name#milterkit-} && \
	  $(mk_edit_unit) -e "s|@NAME[@]|$$name|g" $(srcdir)/etc/milterkit.service.in > $@.tmp && \
	  mv $@.tmp $@

# The runtime directories, /run/milterkit-NAME (systemd-tmpfiles).
dist_tmpfiles_DATA = etc/tmpfiles.d/milterkit.conf
install-data-hook: install-mk-man-paths

# The man pages name the Debian package's paths (/etc/milterkit,
# /usr/share/doc/milterkit, /usr/lib/tmpfiles.d, /lib/systemd/system);
# installed pages name the configured ones instead, as the programs' -h
# output does.
install-mk-man-paths:
	@for p in $(dist_man_MANS); do \
	  b=`basename $$p`; f='$(DESTDIR)$(mandir)'/man$${b##*.}/$$b; \
	  $(mk_edit_paths) "$$f" > "$$f.tmp" && mv -f "$$f.tmp" "$$f" || exit 1; \
	done

.PHONY: install-mk-conf uninstall-mk-conf install-mk-man-paths
