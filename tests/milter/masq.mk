# tests/milter/masq.mk - milter-level tests of milterkit-masq.
MILTER_TESTS += tests/milter/masq-header-indices.py
