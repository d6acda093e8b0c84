# lib/net.mk
