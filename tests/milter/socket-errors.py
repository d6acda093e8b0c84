"""socket-errors.py - a daemon that cannot listen says why and what to do
(issue 9, blocker 2): a missing socket directory names the errno and the
directory to create (with the owner and group it should have); -n warns
about it already; a port in use and a directory the starting user cannot
write are told as such.  "cannot listen on X" never comes without a
reason."""

import os
import re
import socket
import subprocess

from mktest import milter_daemon, milter_binary, run_test, check, run_user

CONF = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@"; };
relay: { socket = "@SOCK@"; socket_group = "nogroup"; local_domains = ["example.net"]; };
'''


def failed_start(sock, env=None):
    """Starts relay with socket sock; returns its output once it exited."""
    with milter_daemon("relay", CONF.replace("@SOCK@", sock), ready=False, echo=False,
                       env=env or {}) as d:
        status = d.wait_exit(timeout=20)
        out = "\n".join(d.lines)
    check(status == 1, "exit status 1 (got %r)" % status, out)
    line = [l for l in out.splitlines() if "cannot listen on" in l]
    check(len(line) == 1, "one 'cannot listen' line", out)
    return line[0]


def main():
    user = run_user()
    missing = "/tmp/milterkit-no-such-dir-%d" % os.getpid()
    line = failed_start("unix:%s/relay.sock" % missing)
    want = ("cannot listen on unix:%s/relay.sock: %s: No such file or directory: create %s "
            "(install -d -o %s -g nogroup -m 0750 %s)" % (missing, missing, missing, user, missing))
    check(want in line, "missing directory: errno and what to create", line, want)
    print("ok: %s" % line.split(": error: ")[-1])

    # -n says it before anything starts.
    with milter_daemon("relay", CONF.replace("@SOCK@", "unix:%s/relay.sock" % missing),
                       ready=False, echo=False) as d:
        d.write_file("milterkit.conf", d.config)
        res = subprocess.run([milter_binary("relay"), "-n", "-c", d.conf_path],
                             capture_output=True, text=True, timeout=60)
    check(res.returncode == 0, "-n: a warning, not an error", res.stdout, res.stderr)
    check(re.search(r"warning: relay\.socket unix:%s/relay\.sock: %s: No such file or "
                    r"directory: create %s" % ((re.escape(missing),) * 3), res.stderr),
          "-n warns about the missing directory", res.stderr)
    check(re.search(r"with the warnings? above", res.stdout), "-n's OK line points at it",
          res.stdout)
    print("ok: -n warns: %s" % res.stderr.strip())

    # A port somebody else listens on.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        line = failed_start("inet:%d@127.0.0.1" % busy.getsockname()[1])
    check(re.search(r"cannot listen on inet:\d+@127\.0\.0\.1: Address already in use: "
                    r"another process listens there", line), "port in use", line)
    print("ok: %s" % line.split(": error: ")[-1])

    # Started as a user who cannot write the socket's directory.
    if os.geteuid() == 0:
        locked = "/tmp/milterkit-locked-%d" % os.getpid()
        os.mkdir(locked, 0o755)
        try:
            env = {"MILTER_TEST_WRAPPER": "setpriv --reuid=65534 --regid=65534 --clear-groups --"}
            line = failed_start("unix:%s/relay.sock" % locked, env=env)
        finally:
            os.rmdir(locked)
        check(re.search(r"%s: Permission denied: the socket is made by uid 65534 before it "
                        r"drops privileges; start the daemon as root or make %s writable"
                        % (re.escape(locked), re.escape(locked)), line),
              "directory not writable for the starting user", line)
        print("ok: %s" % line.split(": error: ")[-1])


run_test(main)
