# tests/milter/protocol.mk - the milter protocol from a hostile peer: random
# command sequences from its grammar against every daemon (bounded by
# MILTERKIT_PROTOCOL_FUZZ_SECONDS per daemon).
MILTER_TESTS += tests/milter/protocol-fuzz.py
