# tests/milter/relay.mk - milter-level tests of milterkit-relay (test DNS on loopback).
MILTER_TESTS += tests/milter/relay-decisions.py tests/milter/relay-reload-access.py
MILTER_TESTS += tests/milter/relay-fcrdns-budget.py
