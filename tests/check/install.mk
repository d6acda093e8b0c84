# tests/check/install.mk - checks of what a user installs: `make install`
# into a DESTDIR (layout, configured paths, config files never overwritten),
# the installed sample configurations with -n after the README's key step,
# and the systemd units (systemd-analyze verify, and start/reload/stop under
# the units' own sandbox settings).  Helpers: tests/lib/mktest/install.py.
CHECK_TESTS += tests/check/install-tree.py tests/check/sample-configs.py \
	tests/check/units.py
