"""stop-finishes-sessions.py - SIGTERM (and SIGHUP) keep their promise, on
milterkit-masq, -relay and -dkim: a message whose headers were sent before
the signal gets every reply after it (the masquerade, the signature, the
relay decision) while a new connection is refused, and the daemon exits as
soon as that session is over (measured, and bounded far below the old 5 s
poll of libmilter's listener), with status 0.  The stop is deterministic, not a race between libmilter's signal
thread and ours: the same message in flight survives SIGTERM twenty times
in a row.  A session that never ends is cut off after stop_timeout, with a
warning that says so."""

import errno
import os
import signal
import socket
import time

from mktest import milterclient as mc
from mktest import milter_daemon, run_test, check, patience
from mktest import dkimtest as dc

SITE = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["192.168.0.0/16"]; };
'''
EXTRA = 'stop_timeout = @STOP@;'
CONFS = {
    "masq": SITE + 'masq: { socket = "@SOCKET@"; as = "example.net"; domains = ["home.example.net"];'
                   ' entire_domain = true; ' + EXTRA + ' };\n',
    "relay": SITE + 'relay: { socket = "@SOCKET@"; local_domains = ["example.net"]; ' + EXTRA + ' };\n',
}
CLIENT = ("pc1.home.example.net", "192.168.1.20", 40000)
SENDER = {"masq": "john@pc1.home.example.net", "relay": "john@pc1.home.example.net",
          "dkim": "john@example.net"}


def start(name, keys=None, socket_kind="unix", stop=60):
    if name == "dkim":
        conf = dc.dkim_conf(keys, extra=EXTRA)
    else:
        conf = CONFS[name]
    return milter_daemon(name, conf.replace("@STOP@", str(stop)), socket=socket_kind)


def begin_message(d, name, qid):
    """A session up to the end of the headers; returns the client."""
    cl = mc.MilterClient(d.socket, timeout=patience(20))
    cl.negotiate()
    macros = mc.mta_macros("sendmail", qid=qid)
    cl.connect(*CLIENT, macros=macros["C"])
    cl.mail("<%s>" % SENDER[name], macros=macros["M"])
    cl.rcpt("<someone@example.org>")
    for hname, value in [("From", " John <%s>" % SENDER[name]), ("To", " someone@example.org"),
                         ("Subject", " in flight"), ("Message-ID", " <stop.%s@x>" % qid)]:
        cl.header(hname, value)
    cl.eoh()
    return cl, macros


def end_message(cl, macros):
    cl.body(b"Sent across a stop.\r\n")
    return cl.eom(macros=macros["E"])


def answered_right(name, reply, mods):
    if reply.kind != "continue":
        return False
    if name == "masq":
        return [m[3] for m in mods if m[0] == "chgheader"] == [" John <john@example.net>"]
    if name == "dkim":
        return any(m[0] == "insheader" and m[2] == "DKIM-Signature" for m in mods)
    return True


def refused(spec):
    """True when a new connection to spec is refused (or its unix socket is gone)."""
    family, addr = mc.parse_socket_spec(spec)
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(patience(5))
        try:
            s.connect(addr)
        except OSError as e:
            return e.errno in (errno.ECONNREFUSED, errno.ENOENT)
        # Connected: it may still be reset at once (it waited in a backlog
        # that the stop closed); a session would answer the negotiation.
        try:
            s.sendall(b"\0\0\0\x0dO\0\0\0\x06\0\0\x01\xff\0\x1f\xff\xff")
            return s.recv(64) == b""
        except OSError:
            return True


def stop_in_flight(name, d, sig, qid):
    """The scenario: headers sent, signal, refused, finished, prompt exit.
    Returns the seconds between the end of the session and the exit."""
    cl, macros = begin_message(d, name, qid)
    mark = d.mark()
    d.signal(sig)
    # At least ours (the harness's readiness probe may not be closed yet).
    d.wait_for_log(r"stopping on %s: no new sessions; [1-9]\d* in flight" %
                   ("SIGHUP" if sig == signal.SIGHUP else "SIGTERM"), timeout=10, since=mark)
    check(refused(d.socket), "%s: a new connection is refused during the stop" % name)
    reply, mods = end_message(cl, macros)
    check(answered_right(name, reply, mods), "%s: the message in flight is answered as usual "
          "after the signal" % name, reply, mods)
    check(d.alive(), "%s: still running while the session is open" % name)
    cl.quit()
    ended = time.monotonic()
    d.wait_exit(timeout=10)
    took = time.monotonic() - ended
    out = "\n".join(d.log_since(mark))
    check(d.returncode == 0, "%s: exit status %r" % (name, d.returncode), out)
    check("stopped" in out and "still open" not in out, "%s: stopped cleanly" % name, out)
    return took


def main():
    with dc.Keys() as keys:
        keys.make("example.net", "stop", "rsa")
        keys.write_source()
        took = []
        for name in ("masq", "relay", "dkim"):
            with start(name, keys) as d:
                took.append(stop_in_flight(name, d, signal.SIGTERM, "QSTOP1"))
            print("ok: %s: SIGTERM in flight: every reply, new connection refused, exit %.3f s "
                  "after the session" % (name, took[-1]))
        with start("relay", keys, socket_kind="inet") as d:
            took.append(stop_in_flight("relay", d, signal.SIGHUP, "QSTOP2"))
        print("ok: relay on inet: SIGHUP stops the same way (exit %.3f s after)" % took[-1])
        # Deterministic: no race between two threads waiting for SIGTERM.
        for i in range(20):
            with start("masq", keys) as d:
                took.append(stop_in_flight("masq", d, signal.SIGTERM, "QREP%d" % i))
        print("ok: 20 more stops of masq in a row, all in-flight messages answered")
        # "As soon as they are done": the control thread looks every 20 ms.
        worst = max(took)
        check(worst < patience(1.0), "exit within 1 s of the last session (worst %.3f s)" % worst)
        print("ok: exit after the last session: median %.3f s, worst %.3f s"
              % (sorted(took)[len(took) // 2], worst))
        # A session that never ends is cut off after stop_timeout.
        with start("relay", keys, stop=2) as d:
            cl, _ = begin_message(d, "relay", "QSTUCK")
            mark = d.mark()
            t0 = time.monotonic()
            d.signal(signal.SIGTERM)
            d.wait_exit(timeout=20)
            waited = time.monotonic() - t0
            out = "\n".join(d.log_since(mark))
            check("stopping with 1 session(s) still open after 2 s (stop_timeout)" in out,
                  "the cut-off is logged", out)
            check(1.9 < waited < patience(10), "stop_timeout 2 s honoured (%.1f s)" % waited)
            check(d.returncode == 0, "exit status %r" % d.returncode)
            cl.close()
        print("ok: a session that never ends is cut off after stop_timeout (%.1f s)" % waited)


run_test(main)
