# man/local.mk - manual pages; each checked with `mandoc -T lint` by tests/ci.sh.
dist_man_MANS += man/milterkit.7 man/milterkit.conf.5 man/milterkit-masq.8
