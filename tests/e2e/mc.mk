# tests/e2e/mc.mk - milterkit-mc: generated sendmail and Postfix
# configurations checked by the MTAs themselves, then run end to end (from
# the trees that tests/e2e/prepare.sh unpacks; skipped without them).
E2E_TESTS += tests/e2e/mc-sendmail-seed.py
E2E_TESTS += tests/e2e/mc-postfix-seed.py
E2E_TESTS += tests/e2e/mc-check-errors.py
E2E_TESTS += tests/e2e/mc-files.py
E2E_TESTS += tests/e2e/mc-postfix-smarthost.py
E2E_TESTS += tests/e2e/mc-sendmail-smarthost.py
E2E_TESTS += tests/e2e/mc-postfix-sasl-chroot.py
E2E_TESTS += tests/e2e/mc-postfix-apply.py
E2E_TESTS += tests/e2e/mc-sendmail-apply.py
