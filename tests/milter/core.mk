# tests/milter/core.mk
