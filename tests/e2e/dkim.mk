# tests/e2e/dkim.mk - milterkit-dkim end to end on real sendmail and
# Postfix, after milterkit-masq: signing of masqueraded internal mail,
# verification of external mail, forged Authentication-Results removed.
E2E_TESTS += tests/e2e/dkim-sign-verify-mtas.py
E2E_TESTS += tests/e2e/dkim-canon-mtas.py
E2E_TESTS += tests/e2e/dkim-masq-mtas.py
E2E_TESTS += tests/e2e/dkim-verdicts-mtas.py
E2E_TESTS += tests/e2e/dkim-spf-dmarc-mtas.py
