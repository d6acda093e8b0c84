# tests/e2e/readme.mk - the README's install section, followed word for
# word on a throwaway Debian 12 machine (mktest.machine, systemd-nspawn)
# for each MTA: the package built and installed, Debian's Postfix with its
# chroot on / Debian's sendmail, a message from a roaming client through a
# fake ISP relay, key rotation, upgrade, milterkit-check.  Skipped (77)
# without root, the machine base of tests/e2e/prepare.sh, a git checkout,
# or with MILTERKIT_E2E=skip.  The .deb is built once per tree and kept in
# tests/e2e/readme-debs of the build tree.
E2E_TESTS += tests/e2e/readme-install-postfix.py tests/e2e/readme-install-sendmail.py
