# tests/fuzz/core.mk
