# tests/e2e/dkim.mk
