"""mktest.install - `make install DESTDIR=...` of the build tree under test,
and where it put things: the configured directories, read from the build
tree's Makefile.

    inst = Installed(destdir)
    inst.run('install')
    conf = inst.path('sysconfdir', 'milterkit', 'milterkit.conf')
    inst.var('sbindir')          # '/usr/local/sbin', as configured
"""

import os
import subprocess

from .paths import top_builddir
from .runner import check

# Directories the tests look at (make variables of the build tree).
DIRS = ('prefix', 'sbindir', 'bindir', 'sysconfdir', 'mandir', 'docdir',
        'systemdsystemunitdir', 'tmpfilesdir')


def make_env():
    """The environment for a make run from inside `make check`: without the
    parent's jobserver and flags."""
    env = dict(os.environ)
    for k in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'GNUMAKEFLAGS'):
        env.pop(k, None)
    env['LC_ALL'] = 'C'
    return env


def make_vars(names, builddir=None):
    """{name: value} of make variables of the build tree, fully expanded."""
    rule = 'mk-print-vars:\n' + ''.join(
        '\t@echo \'%s=$(%s)\'\n' % (n, n) for n in names)
    r = subprocess.run(['make', '-s', '--no-print-directory', '-f', 'Makefile',
                        '-f', '-', 'mk-print-vars'],
                       cwd=builddir or top_builddir(), input=rule, text=True,
                       capture_output=True, env=make_env(), timeout=120)
    check(r.returncode == 0, 'make could not print its variables', r.stderr)
    out = {}
    for line in r.stdout.splitlines():
        name, _, value = line.partition('=')
        out[name] = value
    return out


class Installed:
    """What `make TARGET DESTDIR=destdir` installs from the build tree."""

    def __init__(self, destdir, builddir=None):
        self.destdir = destdir
        self.builddir = builddir or top_builddir()
        self.vars = make_vars(DIRS, self.builddir)

    def var(self, name):
        return self.vars[name]

    def path(self, var, *parts):
        """DESTDIR + the configured directory var + parts."""
        return os.path.join(self.destdir + self.vars[var], *parts)

    def run(self, target='install'):
        """make TARGET DESTDIR=...; returns its output (fails the test on a
        non-zero exit)."""
        r = subprocess.run(['make', '--no-print-directory', target,
                            'DESTDIR=' + self.destdir],
                           cwd=self.builddir, capture_output=True, text=True,
                           env=make_env(), timeout=600)
        check(r.returncode == 0, 'make %s failed' % target,
              r.stdout[-3000:], r.stderr[-3000:])
        return r.stdout + r.stderr

    def files(self):
        """Every file and symlink under destdir, as installed paths."""
        out = []
        for root, _dirs, names in os.walk(self.destdir):
            for n in names:
                out.append(os.path.join(root, n)[len(self.destdir):])
        return sorted(out)
