# tests/e2e/keygen.mk - milterkit-keygen against the world around it: the
# keys it makes used by Debian's OpenDKIM, and --check of records served by
# a test DNS on loopback.
E2E_TESTS += tests/e2e/keygen-opendkim.py tests/e2e/keygen-check.py
