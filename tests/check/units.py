"""units.py - the systemd units and the tmpfiles.d file, as `make install`
puts them (the package ships the same files).

  - `systemd-analyze verify` is clean on every unit (its binaries and man
    pages are looked up in the install tree);
  - each unit may write (ReadWritePaths) where both samples put that
    daemon's socket and pid file, and tmpfiles.d makes its runtime
    directory /run/milterkit-NAME, owned by the milterkit user;
  - as root: each daemon runs through its unit's command lines, in a mock
    of the unit's sandbox (mktest.unitsandbox: read-only system,
    ReadWritePaths, PrivateTmp, ProtectHome, PrivateDevices,
    CapabilityBoundingSet, NoNewPrivileges, LimitNOFILE, the seccomp
    filters; no systemd runs as PID 1 here, so `systemctl start` cannot be
    tested): ExecStartPre (-n) passes, ExecStart starts it as root and it
    drops to site.user and serves a message, ExecReload (kill -USR1
    $MAINPID) reloads it (milterkit-dkim re-reads its key as site.user),
    and SIGTERM (KillSignal) stops it with status 0, its pid file and
    socket removed and no "cannot remove pid file" warning.
The sandbox part is skipped on sanitizer builds (LeakSanitizer needs
ptrace, which the unit's SystemCallFilter refuses).
"""
import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys

from mktest import (Daemon, Workdir, check, give_key, key_base, log, need_program,
                    run_test, run_user, top_srcdir)
from mktest import dkimtest as dc
from mktest import milterclient as mc
from mktest.install import Installed
from mktest.unitsandbox import CAPS, unit_service

DAEMONS = ('masq', 'relay', 'dkim')


def read(path):
    with open(path) as f:
        return f.read()


def verify(inst, w):
    analyze = need_program('systemd-analyze')
    sbin = inst.var('sbindir')
    for name in DAEMONS:
        text = read(inst.path('systemdsystemunitdir', 'milterkit-%s.service' % name))
        # The binaries as installed in DESTDIR.
        text = text.replace('=%s/' % sbin, '=%s%s/' % (inst.destdir, sbin))
        unit = w.file('units/milterkit-%s.service' % name, text)
        env = dict(os.environ, MANPATH=inst.path('mandir') + ':', SYSTEMD_LOG_LEVEL='notice')
        r = subprocess.run([analyze, 'verify', unit], capture_output=True, text=True,
                           env=env, timeout=120)
        check(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
              'systemd-analyze verify milterkit-%s.service is clean' % name,
              r.returncode, r.stdout, r.stderr)


def sample_dirs(text, name):
    """Directories of the socket and pid file of section name."""
    section = re.search(r'(?ms)^%s: \{(.*?)^\};' % name, text).group(1)
    sock = re.search(r'socket = "unix:([^"]+)"', section).group(1)
    pid = re.search(r'pidfile = "([^"]+)"', section).group(1)
    return {os.path.dirname(sock), os.path.dirname(pid)}


def check_paths(inst):
    tmpfiles = read(inst.path('tmpfilesdir', 'milterkit.conf'))
    samples = [read(os.path.join(top_srcdir(), 'etc', n))
               for n in ('milterkit.conf', 'milterkit-sendmail.conf')]
    for name in DAEMONS:
        svc = unit_service(inst.path('systemdsystemunitdir', 'milterkit-%s.service' % name))
        rw = {p.lstrip('-') for v in svc.get('ReadWritePaths', []) for p in v.split()}
        for text in samples:
            missing = sample_dirs(text, name) - rw
            check(not missing, 'milterkit-%s.service may write where the samples put its '
                  'socket and pid file' % name, missing, rw)
        check(re.search(r'(?m)^d /run/milterkit-%s +0750 milterkit milterkit -$' % name,
                        tmpfiles),
              'tmpfiles.d makes /run/milterkit-%s for the milterkit user' % name, tmpfiles)
        check('/run/milterkit-%s' % name in rw, 'and the unit may write there')
        check(svc.get('ExecReload') == ['/bin/kill -USR1 $MAINPID'], 'ExecReload sends SIGUSR1')
        check(svc.get('LimitNOFILE') == ['65536'], 'LimitNOFILE=65536')


def sanitized(binary):
    with open(binary, 'rb') as f:
        data = f.read()
    return b'__asan_init' in data or b'__ubsan_handle' in data


def command(svc, key, inst, conf):
    """The unit's command line for key, binary from DESTDIR, our config."""
    argv = svc[key][-1].split()
    argv[0] = inst.destdir + argv[0]
    argv[argv.index('-c') + 1] = conf
    return argv


CONF = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "%(user)s";
        internal_networks = ["127.0.0.0/8", "192.168.0.0/16"]; };
%(name)s: { socket = "unix:%(run)s/%(name)s.sock"; pidfile = "%(run)s/%(name)s.pid";
  socket_group = "%(group)s";
  %(extra)s };
'''


def part_settings(name, w):
    if name == 'masq':
        return 'as = "example.net"; domains = ["home.example.net"]; entire_domain = true;'
    if name == 'relay':
        shutil.copy(os.path.join(top_srcdir(), 'etc', 'access'), w.path + '/access')
        return 'access = "%s/access";' % w.path
    key = give_key(dc.openssl_key(w.sub('keys') + '/s1.private', 'ed25519'))
    return 'keys = ( { domain = "example.net"; selector = "s1"; key = "%s"; } );' % key


def message(d, name, qid):
    sender = "john@example.net" if name == "dkim" else "john@pc1.home.example.net"
    res = mc.run_message(d.socket, connect=("pc1.home.example.net", "192.168.1.20", 40000),
                         macros=mc.mta_macros("sendmail", qid=qid),
                         mail_from="<%s>" % sender, rcpts=["<x@example.org>"],
                         headers=[("From", " " + sender),
                                  ("Subject", " unit")], body=b"hello\r\n")
    check(res.replies.get('eom') is not None, '%s answered the message' % name, res.mods)
    if name == 'masq':
        check(res.mods_of('chgheader'), 'masq rewrote From', res.mods)
    if name == 'dkim':
        check(dc.signatures(res), 'dkim signed', res.mods)


def sandboxed_run(inst, name, w):
    unit = inst.path('systemdsystemunitdir', 'milterkit-%s.service' % name)
    svc = unit_service(unit)
    user = pwd.getpwnam(run_user())
    run = w.sub('run-' + name, mode=0o750)        # what tmpfiles.d makes, for our user
    os.chown(run, user.pw_uid, user.pw_gid)
    os.chmod(run, 0o750)
    group = grp.getgrgid(user.pw_gid).gr_name      # socket_group: a chown as root
    conf = w.file('%s.conf' % name, CONF % {'user': run_user(), 'name': name, 'run': run,
                                             'group': group, 'extra': part_settings(name, w)})
    sandbox = [sys.executable, '-m', 'mktest.unitsandbox', '--unit', unit, '--rw', run, '--']
    r = subprocess.run(sandbox + command(svc, 'ExecStartPre', inst, conf),
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0 and 'configuration OK' in r.stdout,
          '%s: ExecStartPre (-n) in the sandbox' % name, r.stdout, r.stderr)
    d = Daemon(sandbox + command(svc, 'ExecStart', inst, conf), socket='unix:%s/%s.sock'
               % (run, name), ready_log=r'starting milterkit-%s\b' % name,
               name='milterkit-' + name, stop_timeout=70)
    with d:
        pid = d.proc.pid
        d.wait_for_log(r'running as %s' % run_user())
        status = read('/proc/%d/status' % pid)
        check(re.search(r'NoNewPrivs:\s+1', status), 'NoNewPrivileges in force', status)
        want = sum(1 << CAPS.index(c) for v in svc['CapabilityBoundingSet'] for c in v.split())
        check(re.search(r'CapBnd:\s+%016x' % want, status),
              'the bounding set of the unit', status, svc['CapabilityBoundingSet'])
        if 'unitsandbox: python3-seccomp missing' not in '\n'.join(d.lines):
            check(re.search(r'Seccomp:\s+2', status), 'seccomp filters in force', status)
        limits = read('/proc/%d/limits' % pid)
        nofile = int(re.search(r'Max open files\s+(\d+)', limits).group(1))
        check(nofile >= 20000, 'LimitNOFILE applied', limits)
        check(os.stat(d.socket[5:]).st_gid == user.pw_gid, 'socket_group applied')
        message(d, name, 'QUNIT1')
        # ExecReload as systemd runs it.
        argv = [a.replace('$MAINPID', str(pid)) for a in svc['ExecReload'][-1].split()]
        mark = d.mark()
        subprocess.run(argv, check=True, timeout=30)
        d.wait_for_log(r'configuration reloaded \(generation 2\)', timeout=30, since=mark)
        message(d, name, 'QUNIT2')
        check(svc.get('KillSignal') == ['SIGTERM'], 'KillSignal=SIGTERM')
        d.signal(signal.SIGTERM)
        rc = d.wait_exit(70)
    out = '\n'.join(d.lines)
    check(rc == 0, '%s stopped with status 0' % name, rc, out)
    check('cannot remove' not in out, '%s removed its pid file and socket' % name, out)
    check(not os.listdir(run), 'pid file and socket gone', os.listdir(run))


def main():
    with Workdir(prefix='milterkit-units-', base=key_base()) as w:
        os.chmod(w.path, 0o755)
        inst = Installed(w.sub('dest'))
        inst.run('install')
        verify(inst, w)
        check_paths(inst)
        if os.geteuid() != 0:
            log('not root: the sandboxed start, reload and stop are left out')
            return
        if sanitized(inst.destdir + inst.var('sbindir') + '/milterkit-masq'):
            log('sanitizer build: the sandboxed start, reload and stop are left out')
            return
        for name in DAEMONS:
            sandboxed_run(inst, name, w)


run_test(main)
