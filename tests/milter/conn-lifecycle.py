"""conn-lifecycle.py - the connection life every milter shares
(lib/milterconn), on milterkit-masq, -relay and -dkim: port probes that
connect and hang up, clients that negotiate and hang up, a message aborted
half way and another one on the same connection, a hang-up in the middle of
a message, and a session ended with SMFIC_QUIT_NC followed by a new one.
After all that a normal message is still handled, and on SIGTERM the daemon
stops without waiting for a connection that is not there: every connection
it counted was uncounted ("stopped", never "still open")."""
import os
import socket
import time

from mktest import milterclient as mc
from mktest import milter_daemon, run_test, check

HERE = os.path.dirname(os.path.abspath(__file__))
from mktest import dkimtest as dc

SITE = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["192.168.0.0/16"]; log_level = "debug"; };
'''
CONFS = {
    "masq": SITE + 'masq: { socket = "@SOCKET@"; as = "example.net";\n'
                   '        domains = ["home.example.net"]; entire_domain = true; };\n',
    "relay": SITE + 'relay: { socket = "@SOCKET@"; local_domains = ["example.net"]; };\n',
}
CLIENT = ("pc1.home.example.net", "192.168.1.20", 40000)
# masq and relay see an internal host's address; dkim a domain it has a key for.
SENDERS = {"masq": "john@pc1.home.example.net", "relay": "john@pc1.home.example.net",
           "dkim": "john@example.net"}


def macros(qid, stage=None):
    """sendmail's macros: all stages (run_message), or one stage's."""
    m = mc.mta_macros("sendmail", qid=qid)
    return m[stage] if stage else m


def probe(spec, negotiate):
    """Connect and hang up, after negotiating or not."""
    sock = mc.open_socket(spec, 5)
    if negotiate:
        mc.MilterClient(spec, sock=sock, timeout=5).negotiate()
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def headers(sender):
    return [("From", " John <%s>" % sender), ("To", " x@example.org"),
            ("Subject", " lifecycle")]


def whole_message(cl, sender, qid):
    cl.mail("<%s>" % sender, macros=macros(qid, "M"))
    cl.rcpt("<x@example.org>")
    for name, value in headers(sender):
        cl.header(name, value)
    cl.eoh()
    cl.body(b"body\r\n")
    reply, mods = cl.eom(macros=macros(qid, "E"))
    return reply, mods


def lifecycle(d, name):
    sender = SENDERS[name]
    for i in range(5):
        probe(d.socket, negotiate=False)
        probe(d.socket, negotiate=True)

    # Abort half way, then a whole message on the same connection.
    with mc.MilterClient(d.socket, timeout=10) as cl:
        cl.negotiate()
        cl.connect(*CLIENT, macros=macros("LA1", "C"))
        cl.mail("<%s>" % sender, macros=macros("LA1", "M"))
        cl.header("From", " " + sender)
        cl.abort()
        reply, _ = whole_message(cl, sender, "LA2")
        check(reply.kind in ("continue", "accept"), "%s: message after abort: %r" % (name, reply))
        # QUIT_NC: the milter connection stays for a new SMTP session.
        cl.quit_nc()
        cl.connect(*CLIENT, macros=macros("LA3", "C"))
        reply, _ = whole_message(cl, sender, "LA3")
        check(reply.kind in ("continue", "accept"), "%s: message after QUIT_NC: %r"
              % (name, reply))
        cl.quit()

    # Hang up in the middle of a message (libmilter calls abort, then close).
    cl = mc.MilterClient(d.socket, timeout=10)
    cl.negotiate()
    cl.connect(*CLIENT, macros=macros("LA4", "C"))
    cl.mail("<%s>" % sender, macros=macros("LA4", "M"))
    cl.header("From", " " + sender)
    cl.close()

    res = mc.run_message(d.socket, connect=CLIENT, macros=macros("LA5"),
                         mail_from="<%s>" % sender, rcpts=["<x@example.org>"],
                         headers=headers(sender), body=b"body\r\n")
    check(res.final is not None and res.final.kind in ("continue", "accept"),
          "%s: a normal message after all that: %r" % (name, res.final))
    return res


def stopped_cleanly(d, name):
    # libmilter closes a session when its worker sees the hang-up: give the
    # last ones a moment, then stop.
    time.sleep(0.5)
    d.stop()
    out = "\n".join(d.lines)
    # A connection never uncounted makes the stop wait (up to a minute)
    # until the harness kills the daemon.
    check("waiting for" not in out or "stopped" in out,
          "%s: the stop waited for connections that were gone" % name, out)
    check(d.returncode == 0, "%s: exit status %r" % (name, d.returncode), out)
    check("still open" not in out, "%s: a connection was never uncounted" % name, out)
    check("stopped" in out, "%s: no 'stopped' line" % name, out)


def main():
    for name in ("masq", "relay"):
        with milter_daemon(name, CONFS[name]) as d:
            res = lifecycle(d, name)
            if name == "masq":
                check([m[3] for m in res.mods_of("chgheader")] == [" John <john@example.net>"],
                      "masq: still rewrites", res.mods)
            stopped_cleanly(d, name)
    with dc.Keys() as keys:
        keys.make("example.net", "lc", "rsa")
        keys.write_source()
        with milter_daemon("dkim", dc.dkim_conf(keys)) as d:
            res = lifecycle(d, "dkim")
            check(dc.signatures(res), "dkim: still signs", res.mods)
            stopped_cleanly(d, "dkim")
    print("ok: probes, aborts, hang-ups and QUIT_NC on three milters; all uncounted at stop")


run_test(main)
