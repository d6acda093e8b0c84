"""mktest.machine - a throwaway Debian 12 machine, booted with real systemd.

    from mktest.machine import Machine, require_machine

    require_machine()                       # Skip when the base is missing
    with Machine('mail.example.net', addrs=['192.0.2.1']) as m:
        m.copy_in('/path/milterkit_0.1.0_amd64.deb', '/root/milterkit_0.1.0_amd64.deb')
        m.root_sh('apt-get install -y postfix /root/milterkit_0.1.0_amd64.deb')
        m.boot()                    # systemd as PID 1, private network
        m.enter_netns()             # this test's sockets now live in it
        m.sh('systemctl enable --now milterkit-dkim')
        out = m.sh('postconf -h smtpd_milters').stdout
        world = m.outside(['198.51.100.25'])   # a network beyond a link
        with world.entered():       # this thread's new sockets live there
            isp = IspRelay(..., host='198.51.100.25', port=587).start()

What a user installs must be tested as a user installs it: the Debian
package with its maintainer scripts, systemd units, tmpfiles, the MTA from
Debian with its own postinst, Postfix's chroot, SASL.  This machine is as
close as this host allows:

  - the root is an overlay on the base that tests/e2e/prepare.sh builds
    with debootstrap (Debian 12 minbase plus systemd, cached in
    $MILTERKIT_E2E_ROOT/../deb12), so each test starts from a fresh system
    and writes nothing into the cache;
  - before boot, root_sh() runs commands in the root (chroot, with the
    host's network, so that apt-get reaches Debian's archive); services do
    not start then (no init runs: invoke-rc.d refuses), as on a real
    machine that is not yet booted;
  - boot() starts it with systemd-nspawn --boot --private-network: real
    systemd as PID 1 (units, RuntimeDirectory, User=, reload, journald),
    its own network namespace with only loopback, on which the addresses
    given are configured, so services bind the real ports (25, 587) without
    touching the host's;
  - sh() runs a shell command in the booted machine (nsenter into its
    namespaces, a root login shell's environment); sh_tty() does it on a
    terminal (a pty) and answers the program's prompts, as a user does;
  - enter_netns() moves this test process into the machine's network
    namespace (setns): the test's own servers (the ISP relay, the test DNS
    on 127.0.0.1:53) and clients then talk to the machine on its addresses.
    It cannot be undone: call it after everything that needs the host's
    network.
  - outside(addrs) adds the world beyond the machine's network card: a
    network namespace of its own holding ADDRS, linked to the machine by
    a veth pair (the machine routes ADDRS to it; it routes everything to
    the machine, from the first of ADDRS unless a socket binds another).
    A server there (the ISP's relay on port 587) does not collide with
    the machine's own listeners on the same port (Postfix binds *:587),
    and a client there reaches the machine as a roaming laptop does.  `with world.entered():` moves the calling thread there
    and back (threads and child processes started meanwhile stay there);
    world.argv(cmd) runs a command there (nsenter).

Stopped (machine powered off, then killed; overlay unmounted; files
removed) by stop(), also after a failed start.  Nothing on the host
changes but the temporary directory.  Needs root, debootstrap's base, and
systemd-nspawn (package systemd-container).
"""

import contextlib
import ctypes
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import termios
import time

from .net import patience, wait_for
from .paths import e2e_root
from .proc import Service
from .runner import Skip, log, register, unregister

NSPAWN = '/usr/bin/systemd-nspawn'
CLONE_NEWNET = 0x40000000
# What a root login shell on the machine has.
MACHINE_ENV = {
    'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'HOME': '/root', 'LANG': 'C.UTF-8', 'TERM': 'dumb',
    'DEBIAN_FRONTEND': 'noninteractive',
}


def base_dir():
    """Where prepare.sh leaves the debootstrap base."""
    return os.environ.get('MILTERKIT_E2E_MACHINE',
                          os.path.join(os.path.dirname(e2e_root()), 'deb12'))


def require_machine():
    """Skip unless this host can run a Machine."""
    if os.geteuid() != 0:
        raise Skip('a test machine needs root')
    if not os.path.isfile(os.path.join(base_dir(), '.prepared')):
        raise Skip('no machine base in %s: run tests/e2e/prepare.sh' % base_dir())
    if not os.access(NSPAWN, os.X_OK):
        raise Skip('%s missing (package systemd-container)' % NSPAWN)


class Result:
    def __init__(self, argv, returncode, stdout, stderr):
        self.argv, self.returncode = argv, returncode
        self.stdout, self.stderr = stdout, stderr

    def __repr__(self):
        return '<%s: %d>' % (' '.join(self.argv)[:80], self.returncode)


class MachineError(Exception):
    """A command on the machine failed, or it did not boot."""


class Machine(Service):
    """See the module comment.  hostname: the machine's name; addrs: IPv4
    addresses added to its loopback (its "public" and neighbours')."""

    def __init__(self, hostname, addrs=(), name='mktest'):
        self.hostname = hostname
        self.addrs = list(addrs)
        self.name = '%s-%d' % (name, os.getpid())
        self.work = None
        self.root = None
        self.nspawn = None
        self.leader = None
        self.console = None
        self._mounted = False
        self._in_netns = False
        self.outsides = []

    # -- life ------------------------------------------------------------
    def start(self):
        require_machine()
        self.work = tempfile.mkdtemp(prefix='milterkit-machine-')
        register(self)
        for d in ('upper', 'work', 'root'):
            os.mkdir(os.path.join(self.work, d))
        self.root = os.path.join(self.work, 'root')
        subprocess.run(['mount', '-t', 'overlay', 'overlay', '-o',
                        'lowerdir=%s,upperdir=%s,workdir=%s' % (
                            base_dir(), os.path.join(self.work, 'upper'),
                            os.path.join(self.work, 'work')), self.root],
                       check=True)
        self._mounted = True
        with open(os.path.join(self.root, 'etc/hostname'), 'w') as f:
            f.write(self.hostname.split('.')[0] + '\n')
        with open(os.path.join(self.root, 'etc/mailname'), 'w') as f:
            f.write(self.hostname + '\n')
        self._write_hosts()
        # apt-get in the root uses the host's resolver until boot().
        shutil.copy('/etc/resolv.conf', os.path.join(self.root, 'etc/resolv.conf'))
        return self

    def _write_hosts(self):
        with open(os.path.join(self.root, 'etc/hosts'), 'w') as f:
            f.write('127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n')
            addr = self.addrs[0] if self.addrs else '127.0.1.1'
            f.write('%s\t%s %s\n' % (addr, self.hostname, self.hostname.split('.')[0]))

    def stop(self):
        for o in self.outsides:
            o.stop()
        self.outsides = []
        if self.nspawn is not None and self.nspawn.poll() is None:
            if self.leader:
                self._nsenter(['systemctl', '--no-block', 'poweroff'], timeout=30,
                              check=False)
            try:
                self.nspawn.wait(patience(30))
            except subprocess.TimeoutExpired:
                self.nspawn.send_signal(signal.SIGKILL)
                self.nspawn.wait(30)
        if self.console is not None:
            self.console.close()
            self.console = None
        if self._mounted:
            for _ in range(20):
                if subprocess.run(['umount', self.root]).returncode == 0:
                    break
                time.sleep(0.5)
            else:
                subprocess.run(['umount', '-l', self.root])
            self._mounted = False
        if self.work and not os.environ.get('MILTERKIT_TEST_KEEP'):
            shutil.rmtree(self.work, ignore_errors=True)
        elif self.work:
            log('kept machine root in', self.work)
        unregister(self)

    # -- before boot: the root, with the host's network -------------------
    def root_sh(self, script, timeout=900, check=True, input=None):
        """Runs /bin/sh -c SCRIPT chrooted in the root, with /proc, /dev
        and /sys as apt's maintainer scripts expect, and the host's network."""
        inner = ('mount -t proc proc "$R/proc" && mount --rbind /dev "$R/dev" && '
                 'mount --rbind /sys "$R/sys" && exec chroot "$R" /bin/sh -c "$1"')
        argv = ['unshare', '--mount', '--pid', '--fork', '--propagation', 'private',
                'sh', '-c', inner, 'sh', script]
        env = dict(MACHINE_ENV, R=self.root)
        return self._run(argv, env, timeout, check, input)

    def copy_in(self, host_path, machine_path, mode=None):
        """Copies a host file into the machine's root (before or after boot)."""
        dst = os.path.join(self.root, machine_path.lstrip('/'))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(host_path, dst)
        if mode is not None:
            os.chmod(dst, mode)
        return machine_path

    def write(self, machine_path, text, mode=0o644):
        dst = os.path.join(self.root, machine_path.lstrip('/'))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, 'w') as f:
            f.write(text)
        os.chmod(dst, mode)
        return machine_path

    def read(self, machine_path):
        with open(os.path.join(self.root, machine_path.lstrip('/')), 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    # -- boot --------------------------------------------------------------
    def boot(self, resolver='127.0.0.1'):
        """Boots the machine; its resolv.conf then names resolver."""
        self.write('/etc/resolv.conf', 'nameserver %s\noptions timeout:2 attempts:2\n' % resolver)
        self.console = open(os.path.join(self.work, 'console.log'), 'ab')
        self.nspawn = subprocess.Popen(
            [NSPAWN, '--quiet', '--boot', '--private-network', '--register=no',
             '--keep-unit', '--machine=' + self.name, '--hostname=' + self.hostname,
             '-D', self.root],
            stdin=subprocess.DEVNULL, stdout=self.console, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.leader = wait_for(self._find_leader, timeout=60, what='systemd in the machine')
        wait_for(self._booted, timeout=180, interval=0.5, what='the machine to boot')
        for a in self.addrs:
            self.sh('ip addr add %s/32 dev lo 2>/dev/null || ip addr show lo | grep -q " %s/"'
                    % (a, a))
        return self

    def _find_leader(self):
        if self.nspawn.poll() is not None:
            raise MachineError('systemd-nspawn exited with %s:\n%s'
                               % (self.nspawn.returncode, self.console_tail()))
        try:
            with open('/proc/%d/task/%d/children' % (self.nspawn.pid, self.nspawn.pid)) as f:
                kids = f.read().split()
        except OSError:
            return None
        # nspawn's first child (its cmdline is nspawn's) sets the container
        # up and exits; the leader is the one in a pid namespace of its own,
        # once it runs systemd.
        mine = os.readlink('/proc/self/ns/pid')
        for k in kids:
            try:
                with open('/proc/%s/cmdline' % k, 'rb') as f:
                    argv0 = f.read().split(b'\0')[0]
                if os.readlink('/proc/%s/ns/pid' % k) != mine and \
                        argv0.endswith(b'/systemd'):
                    return int(k)
            except OSError:
                pass
        return None

    def _booted(self):
        r = self._nsenter(['systemctl', 'is-system-running'], timeout=30, check=False)
        state = r.stdout.strip()
        if state in ('running', 'degraded'):
            return True
        if self.nspawn.poll() is not None:
            raise MachineError('the machine stopped while booting:\n' + self.console_tail())
        return False

    def console_tail(self, n=40):
        try:
            with open(os.path.join(self.work, 'console.log'), 'rb') as f:
                return '\n'.join(f.read().decode('utf-8', 'replace').splitlines()[-n:])
        except OSError:
            return ''

    # -- after boot ----------------------------------------------------------
    def _nsenter(self, argv, timeout=300, check=True, input=None, env=None):
        full = ['nsenter', '--target', str(self.leader), '--mount', '--uts', '--ipc',
                '--net', '--pid', '--'] + argv
        return self._run(full, dict(MACHINE_ENV, **(env or {})), timeout, check, input)

    def sh(self, script, timeout=300, check=True, input=None, env=None):
        """Runs /bin/sh -c SCRIPT as root in the booted machine; returns a
        Result (MachineError when check and it exits non-zero)."""
        if self.leader is None:
            raise MachineError('sh() before boot()')
        return self._nsenter(['/bin/sh', '-c', script], timeout, check, input, env)

    def sh_tty(self, script, answers=(), timeout=120):
        """Runs /bin/sh -c SCRIPT as root on a terminal of its own (a pty:
        what a user at the console has), answering each prompt: ANSWERS is
        [(regex, text)], each text typed (with Enter) when the regex shows
        up after the previous answer (and, for a password prompt, once the
        echo is off).  Returns a Result whose stdout is what the terminal
        showed."""
        if self.leader is None:
            raise MachineError('sh_tty() before boot()')
        master, slave = os.openpty()
        # setsid -c: a session of its own with the pty as controlling
        # terminal, so that /dev/tty (getpass(3)) is this pty.
        argv = ['setsid', '-w', '-c', 'nsenter', '--target', str(self.leader), '--mount',
                '--uts', '--ipc', '--net', '--pid', '--', '/bin/sh', '-c', script]
        p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                             env=dict(MACHINE_ENV, TERM='vt100'))
        os.close(slave)
        out, seen, pending = b'', 0, list(answers)
        deadline = time.monotonic() + patience(timeout)
        try:
            while True:
                if time.monotonic() > deadline:
                    raise MachineError('timed out on a terminal: %s\n%s'
                                       % (script, out.decode('utf-8', 'replace')))
                ready, _, _ = select.select([master], [], [], 0.2)
                if not ready:
                    continue
                try:
                    data = os.read(master, 4096)
                except OSError:         # EIO: the last process left the pty
                    data = b''
                if not data:
                    break
                out += data
                while pending:
                    m = re.search(pending[0][0].encode(), out[seen:])
                    if not m:
                        break
                    seen += m.end()
                    _echo_off(master)
                    os.write(master, pending.pop(0)[1].encode() + b'\r')
            p.wait(patience(30))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(30)
            os.close(master)
        if pending:
            raise MachineError('no prompt %r on the terminal of: %s\n%s'
                               % (pending[0][0], script, out.decode('utf-8', 'replace')))
        return Result(argv, p.returncode, out.decode('utf-8', 'replace'), '')

    def journal(self, unit=None, since=None):
        """The machine's journal (of one unit), as text."""
        cmd = 'journalctl --no-pager -o short-precise'
        if unit:
            cmd += ' -u ' + unit
        if since:
            cmd += " --since '%s'" % since
        return self.sh(cmd, check=False).stdout

    def enter_netns(self):
        """Moves this process's threads created from now on, and its own
        main thread, into the machine's network namespace."""
        if self._in_netns:
            return
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open('/proc/%d/ns/net' % self.leader, os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), 'setns into the machine network')
        finally:
            os.close(fd)
        self._in_netns = True

    def outside(self, addrs):
        """The world beyond the machine (see the module comment): a
        started Outside holding the IPv4 addresses ADDRS."""
        if self.leader is None:
            raise MachineError('outside() before boot()')
        o = Outside(self, addrs)
        self.outsides.append(o)
        o.start()
        return o

    def _run(self, argv, env, timeout, check, input):
        try:
            p = subprocess.run(argv, env=env, input=input, capture_output=True,
                               timeout=patience(timeout), text=True, errors='replace')
        except subprocess.TimeoutExpired as e:
            raise MachineError('timed out after %ss: %s' % (e.timeout, ' '.join(argv[-3:])))
        r = Result(argv, p.returncode, p.stdout, p.stderr)
        if check and p.returncode != 0:
            raise MachineError('exit %d: %s\n--- stdout\n%s\n--- stderr\n%s' % (
                p.returncode, argv[-1], p.stdout[-3000:], p.stderr[-3000:]))
        return r


def _echo_off(master, wait=5.0):
    """Waits (a few seconds at most) for the program to turn the terminal's
    echo off, as a password prompt does: getpass(3) may print the prompt
    before, and then flushes what was typed before it was ready."""
    deadline = time.monotonic() + patience(wait)
    while time.monotonic() < deadline:
        if not termios.tcgetattr(master)[3] & termios.ECHO:
            return True
        time.sleep(0.05)
    return False


def _setns_net(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), 'setns')


class Outside:
    """A network namespace beyond the machine, made by Machine.outside():
    a `sleep` that unshare(1) started in a new network namespace holds it;
    a veth pair links it to the machine.  Stopped (the holder killed: the
    namespace and the link vanish) by the machine's stop()."""

    def __init__(self, machine, addrs):
        self.machine = machine
        self.addrs = list(addrs)
        self.holder = None

    def _ip(self, pid, args):
        subprocess.run(['nsenter', '--net=/proc/%d/ns/net' % pid, 'ip'] + args,
                       check=True, capture_output=True, timeout=patience(30))

    def start(self):
        mine = os.readlink('/proc/thread-self/ns/net')
        self.holder = subprocess.Popen(['unshare', '--net', '--', 'sleep', 'infinity'],
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        pid = self.holder.pid

        def unshared():
            if self.holder.poll() is not None:
                raise MachineError('unshare --net exited with %s' % self.holder.returncode)
            try:
                return os.readlink('/proc/%d/ns/net' % pid) != mine and \
                    os.readlink('/proc/%d/exe' % pid).endswith('sleep')
            except OSError:
                return False
        wait_for(unshared, timeout=30, what='the outside network namespace')
        here, there = 'mkm%d' % pid, 'mkw%d' % pid
        leader = self.machine.leader
        self._ip(leader, ['link', 'add', here, 'type', 'veth', 'peer', 'name', there,
                          'netns', str(pid)])
        self._ip(leader, ['link', 'set', here, 'up'])
        self._ip(pid, ['link', 'set', 'lo', 'up'])
        self._ip(pid, ['link', 'set', there, 'up'])
        for a in self.addrs:
            self._ip(pid, ['addr', 'add', a + '/32', 'dev', there])
            self._ip(leader, ['route', 'add', a + '/32', 'dev', here])
        self._ip(pid, ['route', 'add', 'default', 'dev', there, 'src', self.addrs[0]])
        return self

    def stop(self):
        if self.holder is not None and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait(30)
        self.holder = None

    def argv(self, cmd):
        """CMD (a list) run in this namespace."""
        return ['nsenter', '--net=/proc/%d/ns/net' % self.holder.pid, '--'] + list(cmd)

    @contextlib.contextmanager
    def entered(self):
        """The calling thread in this namespace for the block, then back."""
        back = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
        there = os.open('/proc/%d/ns/net' % self.holder.pid, os.O_RDONLY)
        try:
            _setns_net(there)
            try:
                yield self
            finally:
                _setns_net(back)
        finally:
            os.close(there)
            os.close(back)
