"""mktest.proc - processes and services a test starts, always torn down.

Proc: a child in its own process group, output to a log file, stopped
(SIGTERM, then SIGKILL of the group) by stop() or its `with` block.
Service: `with` support for servers (start() then stop(), also after a
failed start).  Workdir: a private temporary directory.  private_ns_argv():
a command in private UTS and mount namespaces (its own host name, /dev/log,
resolv.conf).  run_program(): a short-lived program and its output.
Everything registers with mktest.runner, so that run_test() stops what a
test left behind.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from .runner import log, register, unregister


class Proc:
    """A child process in its own process group (session).

    stdout and stderr go to LOGFILE.  stop() sends SIGTERM to the whole group,
    waits up to GRACE seconds, then SIGKILLs it; it is idempotent and is
    called by __exit__.
    """

    def __init__(self, argv, logfile, name=None, env=None, cwd=None,
                 grace=5.0):
        self.argv = [str(a) for a in argv]
        self.name = name or os.path.basename(self.argv[0])
        self.logfile = logfile
        self.grace = grace
        self._out = open(logfile, 'ab')
        try:
            self.popen = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=self._out,
                stderr=subprocess.STDOUT, env=env, cwd=cwd,
                start_new_session=True)
        except BaseException:
            self._out.close()
            raise
        self.pid = self.popen.pid
        self._stopped = False
        self.uts_ns = None      # set by users of private_ns_argv()
        register(self)

    def poll(self):
        return self.popen.poll()

    def log(self):
        """Everything the process wrote so far (text)."""
        with open(self.logfile, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def tail(self, lines=15):
        text = self.log().splitlines()[-lines:]
        return ('\n--- %s output (%s) ---\n' % (self.name, self.logfile) +
                '\n'.join(text)) if text else ''

    def signal(self, sig):
        """Send SIG to the process group (no error if it is gone)."""
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self):
        if self._stopped:
            return
        if self.popen.poll() is None:
            self.signal(signal.SIGCONT)
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(self.grace)
            except subprocess.TimeoutExpired:
                pass
        # Children may outlive the leader (sendmail, postfix): kill the group,
        # and with a private namespace, everything in it.
        self.signal(signal.SIGKILL)
        kill_namespace(self.uts_ns)
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self._stopped = True
        unregister(self)
        self._out.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Service:
    """`with` support for a server a test starts: `with X(...) as x` calls
    x.start() (which returns x) and x.stop() when the block ends, also when
    start() fails half way (stop() must cope with a partial start)."""

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


def kill_namespace(ns_link):
    """SIGKILL every process whose UTS namespace is NS_LINK (the readlink of
    /proc/PID/ns/uts of a process started by private_ns_argv()): catches
    children that left the process group (setsid)."""
    if not ns_link or ns_link == _own_uts():
        return
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            if os.readlink('/proc/%s/ns/uts' % pid) == ns_link:
                os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass


def _own_uts():
    return os.readlink('/proc/self/ns/uts')


def uts_ns_of(pid):
    """readlink of /proc/PID/ns/uts, or None."""
    try:
        return os.readlink('/proc/%d/ns/uts' % pid)
    except OSError:
        return None


def kill_group_of_pidfile(path):
    """SIGKILL the process group of the pid in PATH, if any (cleanup aid)."""
    try:
        with open(path) as f:
            pid = int(f.readline().strip())
    except (OSError, ValueError):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(os.getpgid(pid), sig)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.2)


class SyslogListener:
    """A private syslog: a unix datagram socket at PATH whose messages are
    appended, one per line, to LOGFILE by a thread of the test process.
    Processes see it as /dev/log only inside private_ns() (below): the
    system's /dev/log is never touched."""

    def __init__(self, path, logfile):
        import threading
        self.path, self.logfile = path, logfile
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        self.sock.settimeout(0.2)
        self.out = open(logfile, 'ab', buffering=0)
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            self.out.write(data.rstrip(b'\0\n') + b'\n')

    def log(self):
        with open(self.logfile, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def stop(self):
        if self.running:
            self.running = False
            self.thread.join(2)
            self.sock.close()
            self.out.close()
            try:
                os.unlink(self.path)
            except OSError:
                pass


_NS_SCRIPT = r"""set -e
hostname "$MK_NS_HOSTNAME"
mount --make-rprivate /
if [ -n "$MK_NS_DEVLOG" ]; then
  mkdir -p "$MK_NS_DIR/dev"
  mount --rbind /dev "$MK_NS_DIR/dev"
  mount -t tmpfs -o mode=0755 milterkit-dev /dev
  for n in null zero full random urandom tty; do
    : > /dev/$n; mount --bind "$MK_NS_DIR/dev/$n" /dev/$n
  done
  ln -s /proc/self/fd /dev/fd
  mkdir /dev/shm /dev/pts
  ln -s "$MK_NS_DEVLOG" /dev/log
fi
if [ -n "$MK_NS_RESOLV" ]; then mount --bind "$MK_NS_RESOLV" /etc/resolv.conf; fi
exec "$@"
"""


def private_ns_argv(argv, nsdir, hostname, devlog=None, resolv_conf=None):
    """ARGV wrapped to run in private UTS and mount namespaces (unshare(1)):
    its own host name (sendmail sleeps 60 s when the machine's name is not
    qualified), /dev/log pointing at DEVLOG (a SyslogListener socket), and
    RESOLV_CONF bind-mounted on /etc/resolv.conf if given.  Nothing outside
    the namespace changes; it all vanishes with the last process.
    Returns (argv, env additions)."""
    env = {'MK_NS_HOSTNAME': hostname, 'MK_NS_DIR': nsdir,
           'MK_NS_DEVLOG': devlog or '', 'MK_NS_RESOLV': resolv_conf or ''}
    return (['unshare', '--uts', '--mount', 'sh', '-c', _NS_SCRIPT, 'sh'] +
            [str(a) for a in argv], env)


_ns_ok = None


def have_private_ns():
    """True when unshare(1) can create UTS and mount namespaces here."""
    global _ns_ok
    if _ns_ok is None:
        r = subprocess.run(['unshare', '--uts', '--mount', 'sh', '-c',
                            'hostname x.invalid && mount --make-rprivate /'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _ns_ok = r.returncode == 0
    return _ns_ok


class Workdir:
    """A private temporary directory (under base, default the system's
    temporary directory), removed on exit unless MILTERKIT_TEST_KEEP is set
    (then its path is printed)."""

    def __init__(self, prefix='milterkit-e2e-', base=None):
        self.path = tempfile.mkdtemp(prefix=prefix, dir=base)
        register(self)
        # Postfix and sendmail children run as nobody/mail and must reach
        # their queues below this directory.
        os.chmod(self.path, 0o755)

    def sub(self, *parts, mode=0o755):
        p = os.path.join(self.path, *parts)
        os.makedirs(p, mode=mode, exist_ok=True)
        return p

    def file(self, name, text, mode=0o644):
        p = os.path.join(self.path, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w') as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def stop(self):
        self.cleanup()

    def cleanup(self):
        unregister(self)
        if os.environ.get('MILTERKIT_TEST_KEEP'):
            log('kept', self.path)
            return
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()



def run_program(argv, timeout=30.0, env=None, check_status=None):
    """Run a short-lived program (e.g. DAEMON -n -c CONF); returns
    (status, combined output).  check_status: expected status or None."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env=full_env, timeout=timeout,
                          start_new_session=True)
    out = proc.stdout.decode('utf-8', 'replace')
    if check_status is not None and proc.returncode != check_status:
        raise AssertionError('%s exited %d, expected %d:\n%s'
                             % (' '.join(argv), proc.returncode,
                                check_status, out))
    return proc.returncode, out
