# milters/masq/local.mk
