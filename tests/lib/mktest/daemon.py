"""mktest.daemon - start, watch and stop a milter daemon for one test.

    from mktest import milter_daemon, run_test, check
    from mktest import milterclient as mc

    CONF = '''site: { domain = "example.net"; user = "@USER@"; };
    masq: { socket = "@SOCKET@"; as = "example.net"; };'''

    def main():
        with milter_daemon("masq", CONF) as d:     # skips (77) if not built
            res = mc.run_message(d.socket, ...)
            d.wait_for_log(r"qid=ABC123")
            mark = d.reload()                       # SIGUSR1
            d.wait_for_log(r"reloaded", since=mark)
        check(d.returncode == 0, "clean exit on SIGTERM")

    run_test(main)

Daemon writes the config text into a private temporary directory, picks a
socket (a unix socket in that directory by default, or a free loopback
port), substitutes the placeholders @CONF@ @SOCKET@ @TMPDIR@ @PORT@ @USER@
in argv and config (@USER@: the account to drop to, "nobody" when the test
runs as root, else the current user), starts the process in its own
process group, captures its stdout+stderr line by line, waits (bounded,
stretched by mktest.net.patience() on a busy machine) until the socket
accepts, and always stops it (SIGTERM, then SIGKILL of the whole group)
and removes the directory, also when the test fails.
"""

import array
import fcntl
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import threading
import time

from .net import STARTUP_WAIT, free_port, patience, socket_accepts
from .paths import built, run_user
from .runner import register, unregister


class DaemonError(Exception):
    """The daemon did not start, died, or did not log what was awaited."""


def milter_binary(name):
    """$top_builddir/milters/NAME/milterkit-NAME; skips the test when it
    has not been built."""
    return built("milters", name, "milterkit-" + name)

def milter_daemon(name, config, socket="unix", **kwargs):
    """A Daemon running one of ours: milterkit-NAME -f -c @CONF@ (skips
    the test if it is not built), ready once its socket accepts and it
    logged "starting milterkit-NAME".  config may use @SOCKET@, @USER@,
    @TMPDIR@, @PORT@; kwargs go to Daemon (files=, env=, ...)."""
    kwargs.setdefault("ready_log", r"starting milterkit-%s\b" % name)
    return Daemon([milter_binary(name), "-f", "-c", "@CONF@"],
                  config=config, socket=socket, **kwargs)


class Daemon:
    """A daemon under test.

    argv: command line; "@CONF@", "@SOCKET@", "@TMPDIR@", "@PORT@",
      "@USER@" are replaced (also inside longer arguments).
    config: text written to TMPDIR/conf_name (placeholders replaced too);
      None writes nothing.
    socket: "unix" (TMPDIR/milter.sock, default), "inet" (free port on
      127.0.0.1), "inet6" (free port on ::1), or a full spec used as is.
    files: {relative name: text or bytes} written to TMPDIR before start
      (maps, keys; placeholders replaced in text).
    env: extra environment; MILTER_TEST_WRAPPER in the environment (e.g.
      "valgrind -q") is put in front of argv.
    ready: wait until the socket accepts (True) or not (False, e.g. for
      a daemon expected to refuse its config).
    ready_log: a regex that must also appear in the output before the
      daemon counts as ready (our daemons bind their socket before they
      block signals: a SIGUSR1 sent in between would kill them; their
      "starting milterkit-NAME" line comes after).  milter_daemon() sets it.
    stop_timeout: seconds between SIGTERM and SIGKILL (libmilter takes up
      to about 5 s to return from smfi_main after SIGTERM).
    Attributes: tmpdir, conf_path, socket (spec), port (or None), proc,
    lines (captured output lines so far).
    """

    def __init__(self, argv, config=None, socket="unix",
                 conf_name="milterkit.conf", files=None, env=None,
                 start_timeout=STARTUP_WAIT, stop_timeout=10.0, ready=True,
                 ready_log=None, echo=True, name=None):
        self.tmpdir = tempfile.mkdtemp(prefix="milterkit-test-")
        # A daemon that drops privileges must still read its files here.
        os.chmod(self.tmpdir, 0o755)
        self.user = run_user()
        self.conf_path = os.path.join(self.tmpdir, conf_name)
        self.port = None
        self.socket = self._choose_socket(socket)
        self.argv = [self.subst(a) for a in argv]
        self.config = config
        self.files = files or {}
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.wait_ready_on_start = ready
        self.ready_log = ready_log
        self.echo = echo
        self.name = name or os.path.basename(self.argv[0])
        self.proc = None
        self.lines = []
        self.returncode = None
        self._cond = threading.Condition()
        self._busy = False
        self._reader = None
        register(self)                  # run_test() stops leftovers

    def _choose_socket(self, kind):
        if kind == "unix":
            return "unix:" + os.path.join(self.tmpdir, "milter.sock")
        if kind == "inet":
            self.port = free_port("127.0.0.1")
            return "inet:%d@127.0.0.1" % self.port
        if kind == "inet6":
            self.port = free_port("::1")
            return "inet6:%d@::1" % self.port
        return kind

    def subst(self, text):
        """Replace @CONF@ @SOCKET@ @TMPDIR@ @PORT@ @USER@ in text."""
        for key, value in (("@CONF@", self.conf_path),
                           ("@SOCKET@", self.socket),
                           ("@TMPDIR@", self.tmpdir),
                           ("@USER@", self.user),
                           ("@PORT@", str(self.port or ""))):
            text = text.replace(key, value)
        return text

    def path(self, name):
        """TMPDIR/name."""
        return os.path.join(self.tmpdir, name)

    def write_file(self, name, content, mode=0o644):
        """Write TMPDIR/name (placeholders replaced in text); returns path."""
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content if isinstance(content, bytes) \
            else self.subst(content).encode()
        with open(path, "wb") as fh:
            fh.write(data)
        os.chmod(path, mode)
        return path

    # -- lifecycle --

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        """Write files and config, start the process, wait until ready."""
        for name, content in self.files.items():
            self.write_file(name, content)
        if self.config is not None:
            self.write_file(os.path.basename(self.conf_path), self.config)
        wrapper = self.env.get("MILTER_TEST_WRAPPER", "").split()
        argv = wrapper + self.argv
        if self.echo:
            print("starting: %s" % " ".join(
                a if len(a) <= 80 and "\n" not in a
                else a[:40].replace("\n", " ") + "...(%d bytes)" % len(a)
                for a in argv))
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=self.env, cwd=self.tmpdir,
            start_new_session=True)
        self._reader = threading.Thread(target=self._read_output,
                                        daemon=True)
        self._reader.start()
        if self.wait_ready_on_start:
            self.wait_ready(self.start_timeout)
        return self

    def _read_output(self):
        """Reads the daemon's output into self.lines.  self._busy is true
        from the moment bytes are taken from the pipe until their lines are
        in self.lines, so that mark() can tell "all read" (see there)."""
        fd = self.proc.stdout.fileno()
        partial = b""
        while True:
            select.select([fd], [], [])
            with self._cond:
                self._busy = True
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                data = partial + chunk
                lines = data.split(b"\n")
                partial = lines.pop() if chunk else b""
                if not chunk and data:
                    lines.append(data)
                for raw in lines:
                    line = raw.decode("utf-8", "replace")
                    if self.echo:
                        print("[%s] %s" % (self.name, line))
                    self.lines.append(line)
                self._busy = False
                self._cond.notify_all()
            if self.echo and lines:
                sys.stdout.flush()
            if not chunk:
                return

    def _unread(self):
        """Bytes in the output pipe not taken by the reader yet."""
        try:
            buf = array.array("i", [0])
            fcntl.ioctl(self.proc.stdout.fileno(), termios.FIONREAD, buf)
            return buf[0]
        except (OSError, ValueError):
            return 0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=10.0):
        """Wait until the socket accepts; DaemonError if the process dies
        or the time runs out (timeout stretched by patience())."""
        timeout = patience(timeout)
        deadline = time.monotonic() + timeout
        if self.ready_log:
            self.wait_for_log(self.ready_log, timeout)
        while time.monotonic() < deadline:
            if not self.alive():
                raise DaemonError("%s exited with %s before its socket %s "
                                  "accepted:\n%s" % (
                                      self.name, self.proc.poll(),
                                      self.socket, self.log_tail()))
            if socket_accepts(self.socket, 0.5):
                return
            time.sleep(0.05)
        raise DaemonError("%s: socket %s not accepting after %gs:\n%s"
                          % (self.name, self.socket, timeout,
                             self.log_tail()))

    def wait_exit(self, timeout=10.0):
        """Wait for the process to exit by itself; returns its status
        (DaemonError if it is still running after timeout)."""
        timeout = patience(timeout)
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise DaemonError("%s still running after %gs" % (self.name,
                                                              timeout))
        self._join_reader()
        return self.returncode

    def signal(self, signum):
        """Send signum to the daemon's process."""
        if not self.alive():
            raise DaemonError("%s is not running (status %s):\n%s"
                              % (self.name, self.proc and self.proc.poll(),
                                 self.log_tail()))
        self.proc.send_signal(signum)

    def reload(self):
        """Ask for a config reload (SIGUSR1); returns the log mark taken
        just before, for wait_for_log(..., since=mark)."""
        mark = self.mark()
        self.signal(signal.SIGUSR1)
        return mark

    def stop(self):
        """SIGTERM the process group, SIGKILL it after stop_timeout;
        remove the temporary directory.  Idempotent; returns the exit
        status (negative = killed by that signal)."""
        if self.proc is not None and self.returncode is None:
            self.returncode = self._terminate()
            self._join_reader()
        unregister(self)
        if self.tmpdir and os.path.isdir(self.tmpdir) \
                and not os.environ.get("MILTERKIT_TEST_KEEP"):
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        return self.returncode

    def _terminate(self):
        pgid = self.proc.pid
        if self.proc.poll() is None:
            self._killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                print("%s: no exit %gs after SIGTERM, sending SIGKILL"
                      % (self.name, self.stop_timeout))
        # Children left in the group (or a hung daemon) get SIGKILL.
        self._killpg(pgid, signal.SIGKILL)
        return self.proc.wait()

    @staticmethod
    def _killpg(pgid, signum):
        try:
            os.killpg(pgid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def _join_reader(self):
        if self._reader is not None:
            self._reader.join(5)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    # -- log --

    def sync(self):
        """Waits (bounded) until every line the daemon wrote before this
        call is in self.lines, also those still in the pipe: under load the
        reader thread lags, and a test that looks at the log after a reply
        must see what the daemon logged before that reply."""
        deadline = time.monotonic() + patience(5.0)
        with self._cond:
            while (self._busy or self._unread() > 0) and self._reader is not None \
                    and self._reader.is_alive() and time.monotonic() < deadline:
                self._cond.wait(0.05)

    def mark(self):
        """Current number of captured lines (for since=), after sync():
        every line written before this call is before the mark."""
        self.sync()
        with self._cond:
            return len(self.lines)

    def log_tail(self, count=30):
        with self._cond:
            return "\n".join(self.lines[-count:])

    def log_since(self, mark=0):
        """The lines captured since mark, after sync()."""
        self.sync()
        with self._cond:
            return list(self.lines[mark:])

    def find_log(self, regex, since=0):
        """Matches of regex in the lines written since mark (after sync(),
        no other waiting)."""
        pattern = re.compile(regex)
        return [m for m in (pattern.search(line)
                            for line in self.log_since(since)) if m]

    def wait_for_log(self, regex, timeout=5.0, since=0):
        """Wait until a captured line (index >= since) matches regex;
        returns the re.Match.  DaemonError (with the log tail) on timeout
        or if the daemon's output ends first.  timeout is stretched by
        patience()."""
        pattern = re.compile(regex)
        timeout = patience(timeout)
        deadline = time.monotonic() + timeout
        index = since
        with self._cond:
            while True:
                while index < len(self.lines):
                    match = pattern.search(self.lines[index])
                    index += 1
                    if match:
                        return match
                left = deadline - time.monotonic()
                reader_done = self._reader is None \
                    or not self._reader.is_alive()
                if left <= 0 or reader_done:
                    break
                self._cond.wait(min(left, 0.2))
        raise DaemonError("%s: no log line matching %r within %gs%s:\n%s"
                          % (self.name, regex, timeout,
                             "" if self.alive() else " (daemon exited)",
                             self.log_tail()))
