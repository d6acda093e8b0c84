"""mktest.readmedeb - the Debian package as README step 1 builds it, for
the README install-path tests (mktest.installpath): built once per tree
and shared by both MTA tests.

    from mktest.readmedeb import package
    debs = package(readme)       # {'v1': [.deb ...], 'v2': [the next version]}

package() runs the commands of step 1 that come before the one installing
the .deb (apt-get build-dep, dpkg-buildpackage) in a machine of its own
(mktest.machine: a fresh Debian 12, before boot, with the host's network),
in a copy of the tracked files of this tree (uncommitted edits included,
as tests/package.sh copies them), with DEB_BUILD_OPTIONS=nocheck (CI runs
the unit tests anyway).  The .deb files of ../ are kept in
BUILDDIR/tests/e2e/readme-debs/KEY, KEY being a hash of those commands
and of the tracked files but the Python tests and the README (neither
built nor installed); the other test waits on a lock meanwhile, and
finds them.
'v2' is the "next version" of the README's upgrade: the same package
repacked as VERSION+readme1 with a comment line added to the sample
milterkit.conf, so that dpkg meets an edited conffile whose sample changed.
"""

import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import time

from . import Workdir, check, log, top_builddir, top_srcdir, wait_for
from .machine import Machine

TREE = '/root/milterkit'        # "the directory of this tree" on the machines
CONF = '/etc/milterkit/milterkit.conf'

def _tracked():
    out = subprocess.run(['git', '-C', top_srcdir(), 'ls-files', '-z'], check=True,
                         capture_output=True).stdout
    return [p for p in out.decode().split('\0') if p]


def copy_tree(dest):
    """The tracked files of this tree (uncommitted edits included), as
    tests/package.sh copies them."""
    os.makedirs(dest, exist_ok=True)
    src = top_srcdir()
    for rel in _tracked():
        s = os.path.join(src, rel)
        if os.path.lexists(s):
            d = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(d), exist_ok=True)
            shutil.copy2(s, d, follow_symlinks=False)


def _tree_key(build_cmds):
    """What the package is made of: the build commands and the tracked
    files but the Python tests and the README (neither built nor
    installed; the README's build commands are BUILD_CMDS)."""
    h = hashlib.sha256('\n'.join(build_cmds).encode())
    src = top_srcdir()
    for rel in _tracked():
        if (rel.startswith('tests/') and rel.endswith('.py')) or rel == 'README':
            continue
        h.update(rel.encode() + b'\0')
        try:
            with open(os.path.join(src, rel), 'rb') as f:
                h.update(hashlib.sha256(f.read()).digest())
        except OSError:
            h.update(b'-')
    return h.hexdigest()[:16]


def install_index(step1):
    cmds = step1.commands()
    for i, c in enumerate(cmds):
        if re.search(r'\b(apt-get|apt|dpkg)\b.*\.deb\b', c):
            return i
    raise AssertionError('%s installs no .deb: %s' % (step1.label(), cmds))


def build_commands(step1):
    """Step 1's commands before the one that installs the .deb."""
    cmds = step1.commands()[:install_index(step1)]
    check(any('dpkg-buildpackage' in c for c in cmds),
          '%s builds no package (no dpkg-buildpackage before the install): %s'
          % (step1.label(), cmds))
    return cmds


def _repack(deb, outdir):
    """The next version: DEB repacked as VERSION+readme1 with one comment
    line more in the sample milterkit.conf."""
    with Workdir(prefix='milterkit-repack-') as w:
        d = os.path.join(w.path, 'pkg')
        subprocess.run(['dpkg-deb', '-R', deb, d], check=True, timeout=120)
        with open(os.path.join(d, 'DEBIAN/control')) as f:
            control = f.read()
        version = re.search(r'^Version: (\S+)$', control, re.M).group(1)
        new = version + '+readme1'
        with open(os.path.join(d, 'DEBIAN/control'), 'w') as f:
            f.write(re.sub(r'^Version: \S+$', 'Version: ' + new, control, flags=re.M))
        with open(os.path.join(d, CONF.lstrip('/')), 'a') as f:
            f.write('# (version %s: a line the new sample has)\n' % new)
        with open(os.path.join(d, 'DEBIAN/conffiles')) as f:
            check(CONF in f.read().split(), '%s is not a conffile of %s' % (CONF, deb))
        arch = re.search(r'^Architecture: (\S+)$', control, re.M).group(1)
        out = os.path.join(outdir, 'milterkit_%s_%s.deb' % (new, arch))
        subprocess.run(['dpkg-deb', '--root-owner-group', '-b', d, out], check=True,
                       capture_output=True, timeout=300)
        return out


def package(readme):
    """{'v1': [.deb files step 1 builds], 'v2': [the next version]}: from
    the cache, else built in a machine of its own (see the module comment).
    One test builds while the other waits."""
    step1 = readme.block('1')
    cmds = build_commands(step1)
    base = os.path.join(top_builddir(), 'tests', 'e2e', 'readme-debs')
    os.makedirs(base, exist_ok=True)
    key = _tree_key(cmds)
    done = os.path.join(base, key)
    with open(os.path.join(base, 'lock'), 'w') as lock:
        def locked():
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False
        wait_for(locked, timeout=1200, interval=1, what='the other test building the package')
        try:
            if not os.path.isfile(os.path.join(done, '.complete')):
                for old in os.listdir(base):
                    if old != 'lock':
                        shutil.rmtree(os.path.join(base, old), ignore_errors=True)
                _build(cmds, done)
            else:
                log('package: the .deb of this tree, built earlier, from %s' % done)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    v1 = sorted(glob.glob(os.path.join(done, 'v1', '*.deb')))
    v2 = sorted(glob.glob(os.path.join(done, 'v2', '*.deb')))
    return {'v1': v1, 'v2': v2}


def _build(cmds, done):
    t0 = time.monotonic()
    tmp = done + '.new'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, 'v1'))
    os.makedirs(os.path.join(tmp, 'v2'))
    with Machine('build.example.net', name='mktest-build') as m:
        copy_tree(os.path.join(m.root, TREE.lstrip('/')))
        for c in cmds:
            r = m.root_sh('export DEB_BUILD_OPTIONS=nocheck; cd %s && %s' % (TREE, c),
                          timeout=1200, check=False)
            log('README step 1 (build machine): %s -> %d' % (c, r.returncode))
            if r.returncode != 0:
                log((r.stdout + r.stderr)[-4000:])
            check(r.returncode == 0, 'README step 1: `%s` failed on a fresh Debian 12 '
                  '(exit %d)' % (c, r.returncode))
        parent = os.path.join(m.root, os.path.dirname(TREE).lstrip('/'))
        debs = glob.glob(os.path.join(parent, '*.deb'))
        check(any(os.path.basename(d).startswith('milterkit_') for d in debs),
              'README step 1 left no ../milterkit_*.deb: %s' % debs)
        for d in debs:
            shutil.copy(d, os.path.join(tmp, 'v1'))
    main = [d for d in glob.glob(os.path.join(tmp, 'v1', 'milterkit_*.deb'))]
    _repack(main[0], os.path.join(tmp, 'v2'))
    with open(os.path.join(tmp, '.complete'), 'w') as f:
        f.write('%.0f s\n' % (time.monotonic() - t0))
    os.rename(tmp, done)
    log('package: built in %.0f s' % (time.monotonic() - t0))
