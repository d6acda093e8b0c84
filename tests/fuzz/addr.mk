# tests/fuzz/addr.mk
