# tools/keygen/local.mk
