#!/usr/bin/python3
"""tests/bench/restart-bench.py - restarting the milters under a steady load
through a private Postfix 3.7 (mktest.mta): nothing lost, and no message
waits much longer than its own processing time plus the restart.

A client submits one message every INTERVAL seconds, each in its own SMTP
session, to a Postfix with milterkit-relay, -masq and -dkim attached on
unix sockets (milter_default_action = tempfail); a message refused with a
4xx is submitted again at once, as a sending MTA would (later).  While the
load runs, each milter in turn is restarted as `systemctl restart` does:
SIGTERM, wait for the exit, start again on the same socket.  An aiosmtpd
sink receives the mail.  Reported: messages sent, delivered, lost,
duplicated, signed; per message the time from its first submission to its
arrival (median, 99th percentile, max); the restarts' durations (SIGTERM to
the new daemon accepting); how many submissions got a 4xx.

With --before BUILDDIR the same run is made with another build's daemons
(main before the stop was fixed), for comparison.

Usage: restart-bench.py [-t SECONDS] [-i INTERVAL] [--before BUILDDIR]
Not a test: it prints numbers and exits 0 (1 if a message is lost).  Needs
root and the MTAs unpacked by tests/e2e/prepare.sh.
"""

import argparse
import os
import shutil
import signal
import smtplib
import statistics
import sys
import tempfile
import threading
import time

from mktest import Daemon, milter_binary, socket_accepts, wait_for
from mktest import dkimtest as dc
from mktest.mta import MilterSpec, Postfix, require_postfix
from mktest.sink import Sink

SITE = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["127.0.0.0/8"]; log_level = "notice"; };
'''
NAMES = ("relay", "masq", "dkim")
# Postfix's smtpd runs as nobody here; older builds leave the socket root's.
MODE = 'socket_mode = "0666";'


def conf(name, keys, sock):
    if name == "dkim":
        return dc.dkim_conf(keys, extra=MODE).replace("@SOCKET@", sock)
    if name == "masq":
        return SITE + ('masq: { socket = "%s"; as = "example.net"; domains = ["home.example.net"]; '
                       'entire_domain = true; envelope = true; %s };\n' % (sock, MODE))
    return SITE + 'relay: { socket = "%s"; local_domains = ["example.net"]; %s };\n' % (sock, MODE)


class Milters:
    """The three daemons on fixed unix sockets in one directory."""

    def __init__(self, keys, builddir):
        self.keys, self.builddir = keys, builddir
        self.dir = tempfile.mkdtemp(prefix="milterkit-restart-")
        os.chmod(self.dir, 0o755)
        self.daemons = {}

    def sock(self, name):
        return "unix:%s/%s.sock" % (self.dir, name)

    def start(self, name):
        binary = (os.path.join(self.builddir, "milters", name, "milterkit-" + name)
                  if self.builddir else milter_binary(name))
        d = Daemon([binary, "-f", "-c", "@CONF@"], config=conf(name, self.keys, self.sock(name)),
                   socket=self.sock(name), ready_log=r"starting milterkit-%s\b" % name,
                   echo=False, stop_timeout=90, name="milterkit-" + name)
        d.start()
        self.daemons[name] = d

    def restart(self, name):
        """SIGTERM, exit, start again; returns (wall-clock start, seconds
        until the new one accepts)."""
        d = self.daemons[name]
        wall = time.time()
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        d.wait_exit(timeout=120)
        d.stop()
        self.start(name)
        wait_for(lambda: socket_accepts(self.sock(name), 0.2), interval=0.01,
                 what="%s accepting" % name)
        return wall, time.monotonic() - t0

    def stop(self):
        for d in self.daemons.values():
            d.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Load(threading.Thread):
    """One message every interval, each in its own SMTP session; 4xx:
    submitted again at once."""

    def __init__(self, port, interval):
        super().__init__(daemon=True)
        self.port, self.interval = port, interval
        self.first = {}        # seq -> first submission time
        self.tempfails = 0
        self.errors = []
        self.running = True

    def run(self):
        seq = 0
        next_at = time.monotonic()
        while self.running:
            seq += 1
            self.first[seq] = time.time()       # the sink stamps arrivals with time.time()
            msg = ("From: John <john@pc1.home.example.net>\r\nTo: x@example.org\r\n"
                   "Subject: restart %d\r\nMessage-ID: <r%d@pc1.home.example.net>\r\n\r\n"
                   "Message %d of the restart benchmark.\r\n" % (seq, seq, seq)).encode()
            while True:
                try:
                    with smtplib.SMTP("127.0.0.1", self.port, timeout=120) as s:
                        s.sendmail("john@pc1.home.example.net", ["x@example.org"], msg)
                    break
                except smtplib.SMTPResponseException as e:
                    if 400 <= e.smtp_code < 500:
                        self.tempfails += 1
                        time.sleep(0.05)
                        continue
                    self.errors.append("%d: %s" % (seq, e))
                    break
                except (smtplib.SMTPException, OSError) as e:
                    self.tempfails += 1
                    time.sleep(0.05)
            next_at += self.interval
            time.sleep(max(0, next_at - time.monotonic()))


def run(seconds, interval, builddir):
    require_postfix()
    with dc.Keys() as keys:
        keys.make("example.net", "restart", "rsa")
        keys.write_source()
        milters = Milters(keys, builddir)
        try:
            for name in NAMES:
                milters.start(name)
            specs = [MilterSpec("milterkit-" + n, milters.sock(n)) for n in NAMES]
            with Sink() as sink, Postfix(sink.port, milters=specs) as pf:
                load = Load(pf.port, interval)
                load.start()
                restarts = []
                time.sleep(seconds / (len(NAMES) + 1))
                for name in NAMES:
                    wall, took = milters.restart(name)
                    restarts.append((name, took, wall))
                    time.sleep(seconds / (len(NAMES) + 1))
                load.running = False
                load.join(300)
                sent = len(load.first)
                wait_for(lambda: len(sink.messages) >= sent, timeout=300, interval=0.05,
                         what="%d messages at the sink" % sent)
                seen, dups, lat, signed = {}, 0, [], 0
                inside, outside = [], []
                for m in sink.messages:
                    subj = [l for l in m.data.split(b"\r\n") if l.startswith(b"Subject: ")]
                    seq = int(subj[0].split()[-1])
                    if seq in seen:
                        dups += 1
                        continue
                    seen[seq] = m
                    lat.append(m.time - load.first[seq])
                    # in flight during a restart: submitted before its end,
                    # delivered after its start
                    during = any(load.first[seq] < w + t and m.time > w for _, t, w in restarts)
                    (inside if during else outside).append(lat[-1])
                    signed += b"DKIM-Signature:" in m.data
                lost = sorted(set(load.first) - set(seen))
        finally:
            milters.stop()
    lat.sort()
    return {"sent": sent, "delivered": len(seen), "lost": lost, "dups": dups, "signed": signed,
            "tempfails": load.tempfails, "errors": load.errors, "restarts": restarts,
            "median": statistics.median(lat), "p99": lat[int(len(lat) * 0.99)],
            "max": lat[-1], "inside": inside, "outside": outside}


def report(label, r):
    print("%s:" % label)
    print("  sent %d, delivered %d, lost %d, duplicated %d, signed %d; 4xx/refused "
          "submissions retried: %d" % (r["sent"], r["delivered"], len(r["lost"]), r["dups"],
                                       r["signed"], r["tempfails"]))
    print("  restarts (SIGTERM to the new one accepting): %s"
          % ", ".join("%s %.2f s" % (n, t) for n, t, _ in r["restarts"]))
    print("  submission to delivery, all: median %.3f s, p99 %.3f s, max %.3f s"
          % (r["median"], r["p99"], r["max"]))
    out, ins = r["outside"], r["inside"]
    worst_restart = max(t for _, t, _ in r["restarts"])
    if out:
        print("  not in flight during a restart (%d): max %.3f s" % (len(out), max(out)))
    if ins:
        print("  in flight during a restart (%d): max %.3f s" % (len(ins), max(ins)))
    if out and ins:
        print("  max in flight during a restart %.2f s <= max otherwise (%.2f s) + longest "
              "restart (%.2f s): %s" % (max(ins), max(out), worst_restart,
                                        "held" if max(ins) <= max(out) + worst_restart
                                        else "NOT held"))
    if r["errors"]:
        print("  errors: %s" % r["errors"][:5])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-t", type=float, default=20.0, help="seconds of load")
    ap.add_argument("-i", type=float, default=0.05, help="seconds between messages")
    ap.add_argument("--before", help="another build directory, for comparison")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("restart benchmark: skipped (needs root)")
        return
    print("Restarting relay, masq and dkim in turn under a steady load through Postfix "
          "(one message every %.0f ms for %.0f s):" % (a.i * 1000, a.t))
    r = run(a.t, a.i, None)
    report("this build", r)
    if a.before:
        report("before (%s)" % a.before, run(a.t, a.i, a.before))
    sys.exit(1 if r["lost"] else 0)


if __name__ == "__main__":
    main()
