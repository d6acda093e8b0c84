# tests/unit/modules.mk - unit test programs of the lib/ modules, one
# fragment per group so that each group's owner edits only its own.
include tests/unit/core.mk
include tests/unit/addr.mk
include tests/unit/net.mk
include tests/unit/dkim.mk
include tests/unit/auth.mk
