# tests/e2e/core.mk
