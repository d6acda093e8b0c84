"""The README's install section, followed word for word on a fresh Debian 12
machine with Debian's sendmail: the package built and installed by the
README's commands, the sendmail sample, keys, the settings, SASL users,
milterkit-mc --apply, the units, milterkit-check, then a roaming laptop's
message (swaks, STARTTLS + AUTH) that reaches a fake ISP relay demanding
STARTTLS + AUTH masqueraded and signed (dkimpy verifies), key rotation, an
upgrade that keeps the edited configuration, and milterkit-check's
failures.  mktest.installpath says how, and where it differs from a user's
machine."""

from mktest import run_test
from mktest.installpath import run_install_path

run_test(lambda: run_install_path('sendmail'))
