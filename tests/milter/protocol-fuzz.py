"""protocol-fuzz.py - random milter command sequences against milterkit-masq,
-relay and -dkim (mktest.protofuzz): steps omitted, repeated and out of
order, SMFIC_ABORT and SMFIC_QUIT_NC anywhere, macros missing, empty, huge
or odd, EOM without EOH, body before headers, packets written in pieces,
cut short, garbage, hang-ups.  Invariants, for every session:

  - every well-formed packet gets what libmilter's engine says it must
    (a reply, the modifications and a final reply at EOM, no reply where
    none was negotiated or the command is ignored, the end of the session
    where its payload cannot be parsed), and nothing else;
  - the daemon never dies, and prints no sanitizer report;
  - the next well-formed session (a control message, every few sessions
    and after every session that ended badly) is answered correctly.

Bounded in time: MILTERKIT_PROTOCOL_FUZZ_SECONDS per daemon (default 20).
Reproducible: the seed is printed (MILTERKIT_FUZZ_SEED sets it); a failing
session is named daemon:index and replayed alone with
MILTERKIT_FUZZ_SEED=SEED MILTERKIT_FUZZ_SESSION=daemon:index, or with the
sessions before it (when it needs what they left) daemon:0-index.
MILTERKIT_FUZZ_DAEMONS restricts the daemons (default masq,relay,dkim).

Relay's DNS is unbound on loopback with no records (every client has no
PTR: a quick answer); dkim's keys come from a key_source file."""

import os
import random
import re
import time

from mktest import milterclient as mc
from mktest import milter_daemon, run_test, check, fail, patience, need_program
from mktest import dkimtest as dc
from mktest import protofuzz as pf
from mktest.testdns import TestDNS, UNBOUND

SECONDS = float(os.environ.get("MILTERKIT_PROTOCOL_FUZZ_SECONDS", "20"))
SEED = os.environ.get("MILTERKIT_FUZZ_SEED") or str(random.SystemRandom().randrange(1 << 32))
ONLY = os.environ.get("MILTERKIT_FUZZ_SESSION", "")
NAMES = os.environ.get("MILTERKIT_FUZZ_DAEMONS", "masq,relay,dkim").split(",")
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                       r"runtime error:|ThreadSanitizer")

SITE = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["192.168.0.0/16", "127.0.0.0/8"]; submission_daemons = ["MSA"];
        log_level = "notice"; @DNS@ };
'''
MASQ = SITE + '''masq: { socket = "@SOCKET@"; as = "example.net"; domains = ["home.example.net"];
        entire_domain = true; envelope = true; exposed_users = ["root"]; };
'''
RELAY = SITE + '''relay: { socket = "@SOCKET@"; local_domains = ["example.net"]; };
'''
INTERNAL = ("pc1.home.example.net", "192.168.1.20", 40000)
OUTSIDE = ("mx.example.org", "203.0.113.7", 40001)
HEADERS = [("From", " John <john@pc1.home.example.net>"), ("To", " x@example.org"),
           ("Subject", " control")]


def control(name, d):
    """A well-formed message; its answer must be the usual one."""
    qid = "QCTL%d" % int(time.monotonic() * 1000)
    if name == "masq":
        res = mc.run_message(d.socket, connect=INTERNAL, macros=mc.mta_macros("sendmail", qid=qid),
                             mail_from="<john@pc1.home.example.net>", rcpts=["<x@example.org>"],
                             headers=HEADERS, body=b"hi\r\n")
        return ([m[3] for m in res.mods_of("chgheader")] == [" John <john@example.net>"],
                res)
    if name == "relay":
        inside = mc.run_message(d.socket, connect=INTERNAL, macros=mc.mta_macros("postfix", qid=qid),
                                mail_from="<john@example.net>", rcpts=["<x@example.org>"],
                                headers=HEADERS, body=b"hi\r\n")
        outside = mc.run_message(d.socket, connect=OUTSIDE, macros=mc.mta_macros("postfix", qid=qid),
                                 mail_from="<x@example.org>", rcpts=["<y@example.org>"],
                                 headers=HEADERS, body=b"hi\r\n")
        ok = (not inside.rcpt_replies[0][1].refused and
              outside.rcpt_replies[0][1].smtp.startswith("550 5.7.1"))
        return ok, (inside, outside)
    res = dc.send(d.socket, dc.message(), qid=qid)
    return len(dc.signatures(res)) == 1 and res.final.kind == "continue", res


def sanitizer_lines(d):
    """The daemon's output from its first sanitizer line on (its report)."""
    lines = d.log_since(0)
    for i, line in enumerate(lines):
        if SANITIZER.search(line):
            return lines[i:i + 80]
    return []


def fuzz(name, d, indices):
    """Runs the sessions of indices (an iterator) while time is left."""
    spec = pf.DAEMONS[name]
    timeout = patience(10.0)
    count = answered = 0
    deadline = time.monotonic() + SECONDS
    for index in indices:
        if time.monotonic() > deadline:
            break
        session = pf.generate(pf.session_rng(SEED, name, index), spec)
        where = "seed %s session %s:%d" % (SEED, name, index)
        try:
            answered += pf.run(d.socket, session, spec, timeout=timeout)
        except pf.Problem as e:
            time.sleep(0.2)         # let a dying daemon finish its report
            fail("%s: %s\n(replay: MILTERKIT_FUZZ_SEED=%s MILTERKIT_FUZZ_SESSION=%s:%d, "
                 "or %s:0-%d for the sessions before it too)\ndaemon %s\n%s"
                 % (where, e, SEED, name, index, name, index,
                    "alive" if d.alive() else "DEAD (status %s)" % d.proc.poll(),
                    "\n".join(sanitizer_lines(d)[:60]) or d.log_tail(20)))
        except mc.MilterError as e:
            fail("%s: cannot talk to the daemon: %s\n%s" % (where, e, d.log_tail(40)))
        count += 1
        if not d.alive() or sanitizer_lines(d):
            fail("%s: milterkit-%s died or reported a sanitizer error; the session:\n    %s\n%s"
                 % (where, name, "\n    ".join(pf.describe(a) for a in session),
                    "\n".join(sanitizer_lines(d)[:40]) or d.log_tail(40)))
        ended_badly = session[-1][0] != "packet" or any(a[0] != "packet" for a in session)
        if ended_badly or count % 10 == 0:
            try:
                ok, res = control(name, d)
            except mc.MilterError as e:
                fail("%s: the next well-formed session failed: %s\n%s" % (where, e, d.log_tail(40)))
            check(ok, "%s: the next well-formed session was answered wrongly" % where, res)
    return count, answered


def run_daemon(name, dns):
    if ONLY and not ONLY.startswith(name + ":"):
        return
    if ONLY:
        first, _, last = ONLY.split(":")[1].partition("-")
        indices = iter(range(int(first), int(last or first) + 1))
    else:
        indices = iter(range(1 << 62))
    dns_conf = 'dns = { servers = ["%s"]; timeout = 2; };' % dns.server
    if name == "dkim":
        with dc.Keys() as keys:
            keys.make("example.net", "fz", "rsa")
            keys.write_source()
            with milter_daemon("dkim", dc.dkim_conf(keys), echo=False) as d:
                result = fuzz(name, d, indices)
    else:
        conf = (MASQ if name == "masq" else RELAY).replace("@DNS@", dns_conf)
        with milter_daemon(name, conf, echo=False) as d:
            result = fuzz(name, d, indices)
    check(d.returncode == 0, "milterkit-%s: exit status %r after SIGTERM" % (name, d.returncode),
          d.log_tail(40))
    check(not sanitizer_lines(d), "milterkit-%s: sanitizer report" % name,
          "\n".join(sanitizer_lines(d)))
    print("ok: milterkit-%s: %d sessions, %d packets answered as predicted (seed %s)"
          % (name, result[0], result[1], SEED))


def main():
    need_program(UNBOUND)
    print("protocol fuzzer: seed %s, %gs per daemon%s"
          % (SEED, SECONDS, ", only session %s" % ONLY if ONLY else ""))
    with TestDNS(ipv6=False) as dns:
        dns.start()
        for name in NAMES:
            run_daemon(name, dns)


run_test(main)
