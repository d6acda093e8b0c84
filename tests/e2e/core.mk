# tests/e2e/core.mk - the end-to-end tier (real sendmail 8.17 and Postfix
# 3.7 from Debian's packages, unpacked by prepare.sh, on loopback) and its
# pass-through tests.  The harness is tests/lib/mktest (mta.py, testdns.py,
# sink.py, miltertap.py).
E2E_TESTS += tests/e2e/sendmail-milter-passthrough.py \
	tests/e2e/postfix-milter-passthrough.py tests/e2e/postfix-milter-stop.py
EXTRA_DIST += tests/e2e/prepare.sh tests/e2e/README
