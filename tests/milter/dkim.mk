# tests/milter/dkim.mk - milter-level tests of milterkit-dkim (helpers in
# tests/lib/mktest/dkimtest.py).
MILTER_TESTS += tests/milter/dkim-sign-interop.py
MILTER_TESTS += tests/milter/dkim-verify.py
MILTER_TESTS += tests/milter/dkim-ar-headers.py
MILTER_TESTS += tests/milter/dkim-hostile.py
MILTER_TESTS += tests/milter/dkim-key-file-rule.py
MILTER_TESTS += tests/milter/dkim-key-rotation.py
MILTER_TESTS += tests/milter/dkim-command-order.py
MILTER_TESTS += tests/milter/dkim-sign-decisions.py
MILTER_TESTS += tests/milter/dkim-verdicts.py
MILTER_TESTS += tests/milter/dkim-canon-interop.py
MILTER_TESTS += tests/milter/dkim-ar-strict.py
MILTER_TESTS += tests/milter/dkim-spf-dmarc.py
