# tests/e2e/relay.mk - milterkit-relay through real sendmail and Postfix:
# the relay matrix (FCrDNS, access map, DNS timeout) with identical
# decisions on both, SMTP AUTH and sender/login binding, and no open relay
# when the milter is stopped.
E2E_TESTS += tests/e2e/relay-matrix.py tests/e2e/relay-auth.py \
	tests/e2e/relay-milter-stopped.py
