# tests/fuzz/dkim.mk
