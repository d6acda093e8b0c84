# tests/milter/relay.mk
