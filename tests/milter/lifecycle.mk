# tests/milter/lifecycle.mk - daemon life: config check, reload, stop.
MILTER_TESTS += tests/milter/config-check.py
MILTER_TESTS += tests/milter/config-warnings.py
MILTER_TESTS += tests/milter/reload-keeps-old-config.py
MILTER_TESTS += tests/milter/conn-lifecycle.py
MILTER_TESTS += tests/milter/stop-finishes-sessions.py
MILTER_TESTS += tests/milter/limits.py
MILTER_TESTS += tests/milter/socket-errors.py
