#!/usr/bin/python3
"""tests/bench/socket-bench.py - milters on inet sockets against unix sockets.

1. Per-message latency of milterkit-masq, -relay and -dkim, each on a unix
   socket and on an inet socket (127.0.0.1), driven by mktest.milterclient
   one milter connection per message, with sendmail-style writes (each
   packet on its own) and Postfix-style writes (buffered until a reply is
   due).  The client, like both MTAs, leaves Nagle's algorithm on.  Wall
   clock per message: median and 90th percentile.  Target (issue 10):
   inet within 2x of unix for each daemon.
2. Postfix throughput: a private Postfix 3.7 (mktest.mta) with the three
   milters attached (relay, masq, dkim, in that order), on unix sockets and
   on inet sockets, and with no milter, side by side in one run;
   smtp-source sends the messages (4 KB, a home host's sender: masqueraded
   and signed) over S parallel sessions, smtp-sink takes them.  Messages
   per second from the first connection to the last delivery.  Target:
   inet within 15% of unix.

With --before BUILDDIR the latency part also runs another build's daemons
(e.g. one without TCP_NODELAY) on inet sockets, for comparison.

Usage: socket-bench.py [-n MESSAGES] [-m POSTFIX_MESSAGES] [-s SESSIONS]
                       [--before BUILDDIR] [--no-postfix]
Not a test: it prints numbers and the targets, and exits 0 (1 when a milter
answers wrongly).  Needs root and the MTAs unpacked by tests/e2e/prepare.sh
for part 2 (skipped otherwise).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

from mktest import milterclient as mc
from mktest import Daemon, milter_binary, free_port, wait_for
from mktest import dkimtest as dc
from mktest.mta import MilterSpec, Postfix, postfix_root

SITE = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["127.0.0.0/8", "192.168.0.0/16"]; log_level = "notice"; };
'''
CONFS = {
    "masq": SITE + ('masq: { socket = "@SOCKET@"; as = "example.net"; '
                    'domains = ["home.example.net"]; entire_domain = true; envelope = true; };\n'),
    "relay": SITE + 'relay: { socket = "@SOCKET@"; local_domains = ["example.net"]; };\n',
}
SENDERS = {"masq": "john@pc1.home.example.net", "relay": "john@example.net",
           "dkim": "john@example.net"}
CLIENT = ("pc1.home.example.net", "192.168.1.20", 40000)
STYLES = ("sendmail", "postfix")


def message(sender):
    head = dc.message(from_addr="John <%s>" % sender, body=b"")
    line = b"A line of a benchmark message, plain text, %03d.\r\n"
    body, i = b"", 0
    while len(head) + len(body) + 60 < 4096:
        body += line % i
        i += 1
    return head + body


def conf_of(name, keys):
    if name == "dkim":
        return dc.dkim_conf(keys)
    return CONFS[name]


def daemon(name, keys, kind, builddir=None):
    binary = (os.path.join(builddir, "milters", name, "milterkit-" + name) if builddir
              else milter_binary(name))
    return Daemon([binary, "-f", "-c", "@CONF@"], config=conf_of(name, keys), socket=kind,
                  ready_log=r"starting milterkit-%s\b" % name, echo=False,
                  name="milterkit-%s(%s)" % (name, kind))


def expect_answer(name, res):
    if res.final is None or res.final.kind != "continue":
        sys.exit("%s answered %r" % (name, res))
    if name == "masq" and not res.mods_of("chgheader"):
        sys.exit("masq did not rewrite: %r" % res.mods)
    if name == "dkim" and not dc.signatures(res):
        sys.exit("dkim did not sign: %r" % res.mods)


def latencies(name, spec, raw, n, style):
    out = []
    for i in range(n + 10):
        t = time.monotonic()
        res = mc.run_message(spec, connect=CLIENT, macros=mc.mta_macros(style, qid="L%06d" % i),
                             mail_from="<%s>" % SENDERS[name], rcpts=["<x@example.org>"],
                             message=raw, buffered=(style == "postfix"), filter_macros=True)
        if i >= 10:                                  # after a warm-up
            out.append(time.monotonic() - t)
        if i == 0:
            expect_answer(name, res)
    return out


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))]


def part_latency(n, before):
    rows = []
    with dc.Keys() as keys:
        keys.make("example.net", "bench", "rsa")
        keys.write_source()
        for name in ("masq", "relay", "dkim"):
            raw = message(SENDERS[name])
            for style in STYLES:
                row = {"name": name, "style": style}
                builds = [("unix", None), ("inet", None)]
                if before:
                    builds.append(("inet-before", before))
                for label, builddir in builds:
                    with daemon(name, keys, label.split("-")[0], builddir) as d:
                        lat = latencies(name, d.socket, raw, n, style)
                    row[label] = (statistics.median(lat), pct(lat, 0.9))
                rows.append(row)
    print("Per-message latency (wall clock, one milter connection per message, "
          "%d messages, 4 KB)" % n)
    head = "%-6s %-9s %17s %17s %7s" % ("milter", "writes", "unix med/p90 ms", "inet med/p90 ms",
                                         "inet/unix")
    if before:
        head += " %22s" % "before: inet med/p90"
    print(head)
    worst = 0.0
    for r in rows:
        u, i = r["unix"], r["inet"]
        ratio = i[0] / u[0]
        worst = max(worst, ratio)
        line = "%-6s %-9s %8.3f /%7.3f %8.3f /%7.3f %7.2f" % (
            r["name"], r["style"], u[0] * 1e3, u[1] * 1e3, i[0] * 1e3, i[1] * 1e3, ratio)
        if before:
            b = r["inet-before"]
            line += " %10.3f /%8.3f" % (b[0] * 1e3, b[1] * 1e3)
        print(line)
    print("target: inet within 2x of unix for each daemon: %s (worst %.2f x)"
          % ("met" if worst <= 2.0 else "NOT met", worst))
    return worst


# ---- Postfix throughput ----

def postfix_tool(name):
    return os.path.join(postfix_root(), "usr/sbin", name)


def tool_env():
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.path.join(postfix_root(), "usr/lib/postfix")
    return env


def delivered(pf):
    try:
        with open(os.path.join(pf.work.path, "maillog"), "rb") as fh:
            return fh.read().count(b"status=sent")
    except OSError:
        return 0


def throughput(kind, keys, m, sessions, workdir, builddir=None):
    sink_port = free_port()
    sink = subprocess.Popen([postfix_tool("smtp-sink"), "-u", "nobody", "127.0.0.1:%d" % sink_port,
                             "1024"], env=tool_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    daemons = []
    try:
        specs = []
        if kind != "none":
            for name in ("relay", "masq", "dkim"):
                d = daemon(name, keys, kind, builddir)
                d.__enter__()
                daemons.append(d)
                specs.append(MilterSpec("milterkit-" + name, d.socket))
        wait_for(lambda: subprocess.run(["ss", "-ltn", "sport = :%d" % sink_port],
                                        capture_output=True, text=True).stdout.count("LISTEN"),
                 what="smtp-sink")
        with Postfix(sink_port, milters=specs,
                     main_cf={"default_process_limit": "100",
                              "smtpd_client_connection_count_limit": "0",
                              "smtp_destination_concurrency_limit": "20"}) as pf:
            src = os.path.join(workdir, "message.txt")
            with open(src, "wb") as fh:
                fh.write(message("john@pc1.home.example.net").replace(b"\r\n", b"\n"))
            t0 = time.monotonic()
            r = subprocess.run([postfix_tool("smtp-source"), "-s", str(sessions), "-m", str(m),
                                "-f", "john@pc1.home.example.net", "-t", "x@example.org",
                                "-F", src, "-M", "pc1.home.example.net",
                                "127.0.0.1:%d" % pf.port], env=tool_env(),
                               capture_output=True, text=True, timeout=3600)
            if r.returncode != 0:
                sys.exit("smtp-source (%s): %s" % (kind, r.stderr or r.stdout))
            wait_for(lambda: delivered(pf) >= m, timeout=max(120, m / 5),
                     interval=0.05, what="%d deliveries" % m)
            took = time.monotonic() - t0
            return m / took
    finally:
        for d in daemons:
            d.__exit__(None, None, None)
        sink.terminate()
        sink.wait()


def part_postfix(m, sessions, before):
    if os.geteuid() != 0 or not os.access(postfix_tool("smtp-source"), os.X_OK):
        print("Postfix throughput: skipped (needs root and tests/e2e/prepare.sh)")
        return None
    rates = {}
    with dc.Keys() as keys:
        keys.make("example.net", "bench", "rsa")
        keys.write_source()
        for kind in ("none", "unix", "inet"):
            rates[kind] = throughput(kind, keys, m, sessions, keys.dir)
        if before:
            rates["unix-before"] = throughput("unix", keys, m, sessions, keys.dir, before)
            rates["inet-before"] = throughput("inet", keys, m, sessions, keys.dir, before)
    print("Postfix 3.7 throughput, %d messages of 4 KB over %d SMTP sessions at once "
          "(smtp-source -> Postfix -> smtp-sink), relay+masq+dkim attached:" % (m, sessions))
    for kind, label in (("none", "no milter"), ("unix", "three milters, unix sockets"),
                        ("inet", "three milters, inet sockets"),
                        ("unix-before", "before: three milters, unix"),
                        ("inet-before", "before: three milters, inet")):
        if kind not in rates:
            continue
        print("  %-32s %8.1f msg/s   %.2f of no milter" % (label, rates[kind],
                                                            rates[kind] / rates["none"]))
    ratio = rates["inet"] / rates["unix"]
    print("target: inet within 15%% of unix: %s (inet/unix %.2f)"
          % ("met" if ratio >= 0.85 else "NOT met", ratio))
    return ratio


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=300, help="messages per latency run")
    ap.add_argument("-m", type=int, default=2000, help="messages through Postfix per setup")
    ap.add_argument("-s", type=int, default=10, help="parallel SMTP sessions")
    ap.add_argument("--before", help="another build directory, for 'before' latencies")
    ap.add_argument("--no-postfix", action="store_true")
    a = ap.parse_args()
    part_latency(a.n, a.before)
    print()
    if not a.no_postfix:
        part_postfix(a.m, a.s, a.before)


if __name__ == "__main__":
    main()
