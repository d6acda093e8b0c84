# milters/relay/local.mk - (filled by its issue)
