# tests/unit/dkim.mk
