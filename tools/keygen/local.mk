# tools/keygen/local.mk - (filled by its issue)
