"""mktest.paths - where things are: the source and build trees, the MTAs
that tests/e2e/prepare.sh unpacked, programs a test needs, and the account
a daemon under test drops to."""

import os
import shutil

from .runner import skip


def top_srcdir():
    """The source tree ($top_srcdir from make, else found from this file)."""
    return os.environ.get('top_srcdir') or os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def top_builddir():
    """The build tree ($top_builddir from make, else the source tree)."""
    return os.environ.get('top_builddir') or top_srcdir()


srcdir = top_srcdir
builddir = top_builddir


def e2e_root():
    """Where tests/e2e/prepare.sh unpacked the MTAs."""
    return os.environ.get('MILTERKIT_E2E_ROOT', '/var/cache/milterkit-e2e/root')


def built(*parts):
    """$top_builddir/PARTS, an executable we built; skips the test when it
    has not been built."""
    path = os.path.join(top_builddir(), *parts)
    if not os.access(path, os.X_OK):
        skip('%s not built' % path)
    return path


def need_program(path):
    """Skip unless path (or a name on PATH) is an executable; returns it."""
    found = path if os.path.isabs(path) else shutil.which(path)
    if not found or not os.access(found, os.X_OK):
        skip('%s not installed' % path)
    return found


def run_user():
    """The account a daemon under test drops to (site.user): "nobody" when
    the test runs as root, else the current user."""
    if os.geteuid() == 0:
        return 'nobody'
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name


def key_base():
    """Where tests make directories for DKIM key files: a place milterkit-dkim's
    key file rule accepts (every directory on the path owned by root or the
    daemon's user and writable by nobody else).  /tmp is sticky and world-
    writable, which the rule refuses: /run when the test runs as root, else
    $HOME.  MILTERKIT_TEST_KEYBASE overrides."""
    if os.environ.get('MILTERKIT_TEST_KEYBASE'):
        return os.environ['MILTERKIT_TEST_KEYBASE']
    return '/run' if os.geteuid() == 0 else os.path.expanduser('~')


def give_key(path):
    """Make the key file at path what the README's key step makes it: owned
    by the daemon's user (run_user()), mode 0600."""
    import pwd
    if os.geteuid() == 0:
        pw = pwd.getpwnam(run_user())
        os.chown(path, pw.pw_uid, pw.pw_gid)
    os.chmod(path, 0o600)
    return path
