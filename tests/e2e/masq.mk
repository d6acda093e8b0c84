# tests/e2e/masq.mk - milterkit-masq end to end, on real sendmail and
# Postfix (unpacked by tests/e2e/prepare.sh; skipped without them):
# equivalence with sendmail's own masquerading, trusted origin on Postfix,
# and whether a later milter sees an earlier milter's edits.
E2E_TESTS += tests/e2e/masq-sendmail-equivalence.py
E2E_TESTS += tests/e2e/masq-postfix.py
E2E_TESTS += tests/e2e/masq-milter-order.py
