# tests/e2e/relay.mk
