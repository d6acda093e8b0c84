#!/usr/bin/python3
"""tests/e2e/sendmail-milter-passthrough.py - real sendmail with milterkit-masq
attached passes a message from an outside sender through unchanged, and both
the MTA's log and the milter conversation show the milter was called.
Exit 0 pass, 1 fail, 77 skip (MTA not unpacked by prepare.sh, or
milterkit-masq not built)."""


from mktest import run_test
from mktest.passthrough import passthrough

run_test(lambda: passthrough('sendmail'))
