# tests/e2e/check.mk - milterkit-check on whole sites (the daemons, a test
# DNS, the MTA configuration milterkit-mc generates for the unpacked Postfix
# and sendmail), every check ok and then each failure it must name.
E2E_TESTS += tests/e2e/check-postfix.py tests/e2e/check-sendmail.py tests/e2e/check-send.py
