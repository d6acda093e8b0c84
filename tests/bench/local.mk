# tests/bench/local.mk - (filled by its issue)
