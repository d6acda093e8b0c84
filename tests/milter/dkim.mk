# tests/milter/dkim.mk - milter-level tests of milterkit-dkim (helpers in
# dkim-common.py, loaded by path).
EXTRA_DIST += tests/milter/dkim-common.py
MILTER_TESTS += tests/milter/dkim-sign-interop.py
MILTER_TESTS += tests/milter/dkim-verify.py
MILTER_TESTS += tests/milter/dkim-ar-headers.py
MILTER_TESTS += tests/milter/dkim-hostile.py
