"""limits.py - time and resource bounds of the daemons (lib/milter/daemonctl):

  - stalled peers: eighty connections that send 3 bytes of a packet and
    stop do not delay the sessions that come among them (libmilter's worker
    pool can leave a new session without a worker then, until a worker
    comes free, here up to session_timeout = 120 s; the guard sees its input
    wait and nudges the pool: a session waits about two seconds at worst),
    and hold no worker past session_timeout (the daemon hangs up on them);
  - max_sessions: sessions beyond the cap wait in the listen backlog and
    are served as soon as one ends; logged once each way;
  - descriptors: at the open file limit (here 128, made low with prlimit)
    connections that never say anything no longer make libmilter's
    listener spin on EMFILE: the listener is paused, the daemon's CPU time
    stays near zero (measured), the log says why, and it accepts again
    when they are gone;
  - the open file limit is raised to the hard limit at start, and logged;
    an inet listener gets TCP_NODELAY."""

import os
import socket
import time

from mktest import milterclient as mc
from mktest import milter_daemon, run_test, check, patience, wait_for

SITE = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["192.168.0.0/16"]; };
'''
RELAY = SITE + 'relay: { socket = "@SOCKET@"; local_domains = ["example.net"]; @EXTRA@ };\n'
MASQ = SITE + ('masq: { socket = "@SOCKET@"; as = "example.net"; domains = ["home.example.net"]; '
               '@EXTRA@ };\n')
CLIENT = ("pc1.home.example.net", "192.168.1.20", 40000)


def message(d, qid, timeout=60):
    """One relay message; returns its seconds."""
    t = time.monotonic()
    res = mc.run_message(d.socket, connect=CLIENT, macros=mc.mta_macros("postfix", qid=qid),
                         mail_from="<john@example.net>", rcpts=["<x@example.org>"],
                         headers=[("Subject", " limits")], body=b"x\r\n", timeout=timeout)
    check(res.final is not None and res.final.kind == "continue", "message answered", res)
    return time.monotonic() - t


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_over(pid, seconds):
    start = cpu_seconds(pid)
    time.sleep(seconds)
    return cpu_seconds(pid) - start


def stall(spec, n):
    """n connections that send 3 bytes of a packet and stop."""
    out = []
    for _ in range(n):
        s = mc.open_socket(spec, 5)
        s.sendall(b"\0\0\0")
        out.append(s)
    return out


def test_stalled_peers():
    # A session_timeout far above the wait allowed: a session left without
    # a worker would wait that long, unless the guard gets it one.
    with milter_daemon("relay", RELAY.replace("@EXTRA@", "session_timeout = 120;"),
                       echo=False) as d:
        stalled, took = [], []
        for i in range(20):
            stalled += stall(d.socket, 4)    # arriving just before each session
            took.append(message(d, "QSTALL%d" % i, timeout=100))
        check(max(took) < patience(4.0), "stalled peers delay no session (worst %.2f s)"
              % max(took), d.log_tail(20))
        print("ok: 80 stalled peers, 20 sessions among them: worst %.2f s, median %.3f s"
              % (max(took), sorted(took)[10]))
        for s in stalled:
            s.close()
    with milter_daemon("relay", RELAY.replace("@EXTRA@", "session_timeout = 5;"),
                       echo=False) as d:
        s = stall(d.socket, 1)[0]
        s.settimeout(patience(5 + 15))
        t = time.monotonic()
        try:
            data = s.recv(16)
        except ConnectionResetError:
            data = b""
        check(data == b"", "a stalled peer is hung up on after session_timeout")
        print("ok: a stalled peer is hung up on %.1f s later (session_timeout 5 s)"
              % (time.monotonic() - t))
        s.close()


def open_session(spec, qid):
    cl = mc.MilterClient(spec, timeout=patience(10))
    cl.negotiate()
    cl.connect(*CLIENT, macros=mc.mta_macros("sendmail", qid=qid)["C"])
    return cl


def test_max_sessions():
    with milter_daemon("masq", MASQ.replace("@EXTRA@", "max_sessions = 3;"), echo=False) as d:
        held = [open_session(d.socket, "QCAP%d" % i) for i in range(3)]
        d.wait_for_log(r"not accepting new sessions: 3 session\(s\) \(max_sessions 3\)")
        waiting = mc.MilterClient(d.socket, timeout=1.5)
        try:
            waiting.negotiate()
            answered = True
        except mc.MilterTimeout:
            answered = False
        check(not answered, "a fourth session waits while three are open")
        held.pop().quit()
        d.wait_for_log(r"accepting new sessions again")
        waiting.timeout = patience(10)
        cl = mc.MilterClient(d.socket, sock=waiting.sock, timeout=patience(10))
        # The negotiation sent while paused is answered now.
        cmd, _ = cl.read_packet("SMFIC_OPTNEG")
        check(cmd == mc.SMFIC_OPTNEG, "the waiting session is served once one ended")
        for c in held:
            c.quit()
        cl.close()
    print("ok: max_sessions 3: a fourth session waits, and is served when one ends")


def test_fd_limit():
    wrapper = "prlimit --nofile=128:128 -- " + os.environ.get("MILTER_TEST_WRAPPER", "")
    with milter_daemon("relay", RELAY.replace("@EXTRA@", ""), socket="inet", echo=False,
                       env={"MILTER_TEST_WRAPPER": wrapper}) as d:
        idle = []
        for _ in range(200):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(0.5)
            try:
                s.connect(("127.0.0.1", d.port))
                idle.append(s)
            except OSError:
                s.close()
        d.wait_for_log(r"not accepting new sessions: .* of 128 file descriptors in use")
        used = cpu_over(d.proc.pid, 3.0)
        check(used < 0.3, "CPU stays idle at the descriptor limit (%.2f s in 3 s)" % used,
              d.log_tail(10))
        print("ok: at the open file limit (128) with %d idle connections: %.2f s of CPU in 3 s"
              % (len(idle), used))
        for s in idle:
            s.close()
        d.wait_for_log(r"accepting new sessions again", timeout=30)
        message(d, "QFDAGAIN")
        print("ok: they gone, it accepts again and answers a message")
    return used


def test_start_limits():
    wrapper = "prlimit --nofile=256:4096 -- " + os.environ.get("MILTER_TEST_WRAPPER", "")
    with milter_daemon("relay", RELAY.replace("@EXTRA@", "max_sessions = 5000;"),
                       socket="inet", echo=False, env={"MILTER_TEST_WRAPPER": wrapper}) as d:
        d.wait_for_log(r"open file limit raised from 256 to 4096")
        d.wait_for_log(r"max_sessions 5000 is more than 4096 open files allow: at most 4032")
        d.wait_for_log(r"listening on inet:\d+@127\.0\.0\.1 with TCP_NODELAY")
        message(d, "QNODELAY")
    print("ok: open file limit raised and logged, max_sessions kept below it, TCP_NODELAY")


def main():
    test_start_limits()
    test_stalled_peers()
    test_max_sessions()
    test_fd_limit()


run_test(main)
