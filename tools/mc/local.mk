# tools/mc/local.mk - (filled by its issue)
