# etc/local.mk - sample configuration and systemd units.
milterkitconfdir = $(sysconfdir)/milterkit
milterkitconf_DATA = etc/milterkit.conf etc/access
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = etc/milterkit-masq.service etc/milterkit-relay.service etc/milterkit-dkim.service
EXTRA_DIST += $(milterkitconf_DATA) $(systemdunit_DATA)
