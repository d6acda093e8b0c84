# tests/milter/masq.mk
