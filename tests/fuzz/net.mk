# tests/fuzz/net.mk
