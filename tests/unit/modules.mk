# tests/unit/modules.mk - unit test programs of the lib/ modules.
# (cmocka; link with $(UNIT_LDADD).  Add yours below, one block per module.)
