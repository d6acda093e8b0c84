# lib/dkim.mk
