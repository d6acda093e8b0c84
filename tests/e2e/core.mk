# tests/e2e/core.mk - the end-to-end harness (real sendmail 8.17 and Postfix
# 3.7 from Debian's packages, unpacked by prepare.sh, on loopback) and its
# pass-through tests.  See tests/e2e/mta.py for the harness interface.
E2E_TESTS += tests/e2e/sendmail-milter-passthrough.py \
	tests/e2e/postfix-milter-passthrough.py
EXTRA_DIST += tests/e2e/prepare.sh tests/e2e/harness.py \
	tests/e2e/testdns.py tests/e2e/sink.py tests/e2e/mta.py \
	tests/e2e/miltertap.py tests/e2e/passthrough.py tests/e2e/README
