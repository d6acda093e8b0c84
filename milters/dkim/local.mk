# milters/dkim/local.mk - (filled by its issue)
