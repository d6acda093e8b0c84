"""tests/e2e/harness.py - common pieces of the end-to-end harness.

Free loopback ports, process groups that are always torn down, a private
work directory, SMTP submission, and run_test(), which turns a test function
into the automake exit codes (0 pass, 1 fail, 77 skip) and makes SIGTERM and
SIGINT unwind through every `with` block so nothing is left behind.

Only Debian's /usr/bin/python3 and its standard library are used here.
"""

import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import traceback

SKIP = 77


class Skip(Exception):
    """Raise to end the test with exit code 77 (skipped)."""


def e2e_root():
    """Where tests/e2e/prepare.sh unpacked the MTAs."""
    return os.environ.get('MILTERKIT_E2E_ROOT',
                          '/var/cache/milterkit-e2e/root')


def builddir():
    return os.environ.get('top_builddir') or os.getcwd()


def srcdir():
    return os.environ.get('top_srcdir') or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(*args):
    print('e2e:', *args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- ports

def free_port(host='127.0.0.1', family=socket.AF_INET, also_v6=False):
    """A TCP (and UDP) port free on HOST right now.

    With also_v6, the port is also free on ::1 (for servers that listen on
    both).  There is a window between this call and the server's bind; the
    kernel hands out ports at random, so collisions are unlikely.
    """
    for _ in range(100):
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        if _port_free(host, port, family, socket.SOCK_DGRAM) and (
                not also_v6 or not have_ipv6() or
                (_port_free('::1', port, socket.AF_INET6, socket.SOCK_STREAM)
                 and _port_free('::1', port, socket.AF_INET6,
                                socket.SOCK_DGRAM))):
            return port
    raise RuntimeError('no free port on %s' % host)


def _port_free(host, port, family, kind):
    try:
        with socket.socket(family, kind) as s:
            s.bind((host, port))
        return True
    except OSError:
        return False


_ipv6 = None


def have_ipv6():
    """True when ::1 can be bound (IPv6 loopback configured)."""
    global _ipv6
    if _ipv6 is None:
        _ipv6 = _port_free('::1', 0, socket.AF_INET6, socket.SOCK_STREAM)
    return _ipv6


def wait_port(port, host='127.0.0.1', timeout=15.0, proc=None, what=None):
    """Wait until something accepts TCP connections on HOST:PORT.

    Fails early (RuntimeError) if PROC, a Proc, exits meanwhile.
    """
    deadline = time.monotonic() + timeout
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    while True:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect((host, port))
                return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError('%s exited with %s before listening on %s:%d%s'
                               % (what or proc.name, proc.poll(), host, port,
                                  proc.tail()))
        if time.monotonic() > deadline:
            raise RuntimeError('%s: nothing listens on %s:%d after %.0fs%s'
                               % (what or 'server', host, port, timeout,
                                  proc.tail() if proc else ''))
        time.sleep(0.05)


def wait_for(cond, timeout=15.0, interval=0.05, what='condition'):
    """Poll COND() until it returns a true value; return it.  Bounded."""
    deadline = time.monotonic() + timeout
    while True:
        r = cond()
        if r:
            return r
        if time.monotonic() > deadline:
            raise TimeoutError('timed out after %.0fs waiting for %s'
                               % (timeout, what))
        time.sleep(interval)


# ------------------------------------------------------------ processes

# Every Proc and Workdir alive, so that run_test() can tear down whatever a
# test left (e.g. when a signal arrived between creating and entering it).
_live = []


def _register(obj):
    _live.append(obj)


def _unregister(obj):
    try:
        _live.remove(obj)
    except ValueError:
        pass


def teardown_all():
    """Stop every Proc and remove every Workdir still alive (newest first)."""
    while _live:
        obj = _live.pop()
        try:
            obj.stop() if isinstance(obj, Proc) else obj.cleanup()
        except Exception as e:      # keep tearing down
            log('teardown of %r: %s' % (obj, e))


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
        _register(self)

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
        _unregister(self)
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
    """A private temporary directory, removed on exit unless
    MILTERKIT_E2E_KEEP is set (then its path is printed)."""

    def __init__(self, prefix='milterkit-e2e-'):
        self.path = tempfile.mkdtemp(prefix=prefix)
        _register(self)
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

    def cleanup(self):
        _unregister(self)
        if os.environ.get('MILTERKIT_E2E_KEEP'):
            log('kept', self.path)
            return
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


# ----------------------------------------------------------------- SMTP

def smtp_connect(port, host='127.0.0.1', source=None, helo='client.example.org',
                 timeout=30):
    """An smtplib.SMTP connected to HOST:PORT from loopback address SOURCE
    (e.g. '127.0.0.7'), after EHLO.  The caller quits it."""
    s = smtplib.SMTP(timeout=timeout,
                     source_address=(source, 0) if source else None)
    s.connect(host, port)
    s.ehlo(helo)
    return s


def smtp_send(port, mail_from, rcpts, data, host='127.0.0.1', source=None,
              helo='client.example.org', mail_options=(), rcpt_options=()):
    """Submit one message; DATA is bytes (CRLF or LF line ends) or str.

    Returns smtplib's dict of refused recipients (empty when all accepted);
    raises smtplib.SMTPException when the message is refused.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    if isinstance(rcpts, str):
        rcpts = [rcpts]
    s = smtp_connect(port, host=host, source=source, helo=helo)
    try:
        return s.sendmail(mail_from, rcpts, data, list(mail_options),
                          list(rcpt_options))
    finally:
        try:
            s.quit()
        except smtplib.SMTPException:
            s.close()


# ----------------------------------------------------------- test runner

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _raise_exit(signum, frame):
    # Once: further signals must not interrupt the teardown.
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def run_test(func):
    """Run FUNC(); exit 0 when it returns, 77 on Skip, 1 on any failure.

    SIGTERM/SIGINT/SIGHUP raise SystemExit so that every `with` and
    `finally` in FUNC runs and the test leaves nothing behind.
    """
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _raise_exit)
    start = time.monotonic()
    status = 1
    try:
        func()
        status = 0
    except Skip as e:
        log('SKIP:', e)
        status = SKIP
    except SystemExit as e:
        log('interrupted (%s)' % e.code)
    except BaseException:
        traceback.print_exc()
        log('FAIL after %.1fs' % (time.monotonic() - start))
    finally:
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        if _live:
            log('tearing down %d leftover(s)' % len(_live))
            teardown_all()
    if status == 0:
        log('PASS in %.1fs' % (time.monotonic() - start))
    sys.exit(status)
