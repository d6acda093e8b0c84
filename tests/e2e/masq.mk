# tests/e2e/masq.mk
