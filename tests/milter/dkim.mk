# tests/milter/dkim.mk
