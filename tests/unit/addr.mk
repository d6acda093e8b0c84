# tests/unit/addr.mk
