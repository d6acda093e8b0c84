# tests/e2e/mc.mk
