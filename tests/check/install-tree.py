"""install-tree.py - what `make install` puts where, for other systems than
Debian (the package installs the same tree into /usr and /etc):

  - the configuration samples, the units, the tmpfiles.d file, the man
    pages and the sendmail sample land in the configured directories, and
    name the configured paths: the units run this build's binaries with
    this build's config, the installed samples and pages name its
    sysconfdir, and so does every daemon's -h;
  - a second `make install` over an edited milterkit.conf and access keeps
    both unchanged and puts the new samples beside them as NAME.dist;
  - `make uninstall` keeps the edited files and removes the rest; on an
    untouched tree it leaves no file behind.
"""
import os
import re
import subprocess

from mktest import Workdir, check, run_test
from mktest.install import Installed

DAEMONS = ('masq', 'relay', 'dkim')


def read(path):
    with open(path) as f:
        return f.read()


def check_layout(inst):
    sysconf = inst.var('sysconfdir')
    conf = inst.path('sysconfdir', 'milterkit', 'milterkit.conf')
    for p in (conf, conf + '.dist', inst.path('sysconfdir', 'milterkit', 'access'),
              inst.path('sysconfdir', 'milterkit', 'access.dist'),
              inst.path('docdir', 'examples', 'milterkit-sendmail.conf'),
              inst.path('tmpfilesdir', 'milterkit.conf'),
              inst.path('mandir', 'man5', 'milterkit.conf.5')):
        check(os.path.isfile(p), 'installed: ' + p, inst.files())
    # The samples name the configured sysconfdir.
    for p in (conf, inst.path('docdir', 'examples', 'milterkit-sendmail.conf')):
        text = read(p)
        check('access = "%s/milterkit/access"' % sysconf in text,
              '%s names %s/milterkit/access' % (p, sysconf))
        if sysconf != '/etc':
            check('/etc/milterkit' not in text.replace(sysconf + '/milterkit', ''),
                  '%s: no /etc/milterkit left' % p)
    # Units: this build's binaries and config, -n before the start.
    for name in DAEMONS:
        unit = inst.path('systemdsystemunitdir', 'milterkit-%s.service' % name)
        text = read(unit)
        binary = '%s/milterkit-%s' % (inst.var('sbindir'), name)
        want = '%s -f -c %s/milterkit/milterkit.conf' % (binary, sysconf)
        check('ExecStart=' + want + '\n' in text, unit + ': ExecStart=' + want, text)
        check('ExecStartPre=%s -n -c ' % binary in text, unit + ': ExecStartPre -n')
        check(not re.search(r'@\w+@', text), unit + ': every @VAR@ substituted', text)
        check(os.access(inst.destdir + binary, os.X_OK), 'the unit runs an installed binary')
        # -h says the same default the pages say.
        out = subprocess.run([inst.destdir + binary, '-h'], capture_output=True, text=True,
                             timeout=30).stdout
        check('(default %s/milterkit/milterkit.conf)' % sysconf in out,
              'milterkit-%s -h names %s' % (name, sysconf), out)
        page = read(inst.path('mandir', 'man8', 'milterkit-%s.8' % name))
        if sysconf != '/etc':
            check('/etc/milterkit' not in page.replace(sysconf + '/milterkit', ''),
                  'milterkit-%s(8) names %s' % (name, sysconf))
    page = read(inst.path('mandir', 'man5', 'milterkit.conf.5'))
    check('%s/milterkit/milterkit.conf' % sysconf in page,
          'milterkit.conf(5) names %s/milterkit/milterkit.conf' % sysconf)


def main():
    with Workdir(prefix='milterkit-install-') as w:
        inst = Installed(w.sub('dest'))
        inst.run('install')
        check_layout(inst)
        conf = inst.path('sysconfdir', 'milterkit', 'milterkit.conf')
        access = inst.path('sysconfdir', 'milterkit', 'access')
        sample_conf, sample_access = read(conf), read(access)

        # The admin edits both, then installs a newer build over them.
        edited_conf = sample_conf.replace('"example.net"', '"example.org"')
        edited_access = sample_access + 'Connect:10.1.2.3                RELAY\n'
        for path, text in ((conf, edited_conf), (access, edited_access)):
            with open(path, 'w') as f:
                f.write(text)
        out = inst.run('install')
        check(read(conf) == edited_conf and read(access) == edited_access,
              'a second make install keeps the edited milterkit.conf and access', out)
        check(read(conf + '.dist') == sample_conf and read(access + '.dist') == sample_access,
              'the new samples are beside them as .dist')
        check('exists: kept' in out, 'make install says it kept them', out)

        # Uninstall keeps what the admin edited, and only that.
        inst.run('uninstall')
        left = inst.files()
        want = sorted(p[len(inst.destdir):] for p in (access, conf))
        check(left == want, 'make uninstall keeps the edited files only', left)
        check(read(conf) == edited_conf, 'the edited milterkit.conf survived uninstall')

        # An untouched install uninstalls without a trace.
        clean = Installed(w.sub('dest2'))
        clean.run('install')
        clean.run('uninstall')
        check(clean.files() == [], 'make uninstall of an untouched install leaves nothing',
              clean.files())


run_test(main)
