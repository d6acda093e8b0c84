# tests/milter/core.mk
# Self-test of the MTA-side milter client (mktest.milterclient) and the daemon
# helper (mktest.daemon): a scripted fake milter, edge cases, and Debian's
# opendkim as a real milter (skipped if opendkim is not installed).
MILTER_TESTS += tests/milter/client-selftest-opendkim.py
