#!/usr/bin/python3
"""tests/bench/auth-bench.py - CPU per verified message of milterkit-dkim
doing SPF + DKIM + DMARC in one pass, against Debian's OpenDKIM followed
by Debian's OpenDMARC (SPF by OpenDMARC's SPFSelfValidate), the chain a
site builds from the two peers (issue 12).

The same 4 KB message, signed by example.org (RSA-2048, relaxed/relaxed),
comes from an outside client (203.0.113.7, HELO mx.example.org, MAIL FROM
bench@example.org) whose SPF record passes; example.org publishes
p=reject.  Every name is served by one test DNS (unbound, mktest.testdns)
on 127.0.53.12 port 53:
  - milterkit-dkim asks it through lib/dns (site.dns.servers);
  - OpenDKIM through its libunbound (ResolverConfiguration: a forward
    zone to it);
  - OpenDMARC uses the C library's resolver (libopendmarc and libspf2,
    res_query), so it runs in a private mount namespace where
    /etc/resolv.conf names the test DNS (mktest.proc.private_ns_argv;
    nothing outside changes).
First each daemon must give the expected verdicts (ours: spf=pass dkim=pass
dmarc=pass; OpenDKIM: dkim=pass; OpenDMARC, fed the message with
OpenDKIM's header as an MTA would: spf=pass dmarc=pass).  Then N messages
through each, one milter connection per message, after a warm-up, in
ROUNDS turns of N / ROUNDS messages per daemon (the machine is shared: a
change of load falls on the three alike); the CPU each daemon spent
(utime + stime of all its threads, /proc/PID/stat) over N gives the cost
per message.  OpenDKIM + OpenDMARC is the sum of the two.
The client writes in both styles of dkim-bench.py (sendmail: each packet
on its own; Postfix: buffered until a reply is due).

Usage: auth-bench.py [-n MESSAGES]   (run by tests/bench/run.sh / make bench)
Needs root (port 53, a mount namespace) and opendmarc; otherwise it says
why and exits 0.  Not a test: it prints numbers and the target of issue 12
(milterkit-dkim at most half of the sum).
"""

import argparse
import os
import re
import subprocess
import sys

from mktest import milterclient as mc
from mktest import Daemon, Workdir, have_private_ns, milter_binary
from mktest.proc import private_ns_argv
from mktest.testdns import TestDNS

from mktest import dkimtest as dc
from mktest.benchutil import cpu_seconds, message_4k, opendkim_version


DNS_HOST = "127.0.53.12"
CLIENT = ("mx.example.org", "203.0.113.7", 40001)
HELO = "mx.example.org"
MAIL_FROM = "<bench@example.org>"
STYLES = ("sendmail", "postfix")
ROUNDS = 10

OURS_CONF = """\
site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        authserv_id = "mail.example.net";
        internal_networks = ["127.0.0.0/8", "::1/128", "192.168.0.0/16"];
        dns = { servers = ["%(dns)s"]; timeout = 5; }; };
dkim: { socket = "@SOCKET@"; };
"""

OPENDKIM_CONF = """\
Mode                    v
Socket                  @SOCKET@
AuthservID              mail.example.net
AlwaysAddARHeader       yes
ResolverConfiguration   @TMPDIR@/unbound.conf
Syslog                  no
PidFile                 @TMPDIR@/opendkim.pid
UMask                   007
"""

# libunbound's configuration for OpenDKIM: everything from the test DNS.
UNBOUND_CONF = """\
server:
    do-not-query-localhost: no
forward-zone:
    name: "."
    forward-addr: %s
"""

OPENDMARC_CONF = """\
Socket                  @SOCKET@
AuthservID              mail.example.net
TrustedAuthservIDs      mail.example.net
SPFSelfValidate         true
SPFIgnoreResults        true
PublicSuffixList        /usr/share/publicsuffix/public_suffix_list.dat
Syslog                  false
PidFile                 @TMPDIR@/opendmarc.pid
UMask                   007
FailureReports          false
RejectFailures          false
"""


def signed_4k(keys):
    """A 4096-byte message from bench@example.org, signed by example.org."""
    dkim = dc.dkimpy()
    msg = message_4k().replace(b"Bench <bench@example.net>", b"Bench <bench@example.org>")
    pem = open(keys.keys[("example.org", "k")][0], "rb").read()
    return dkim.sign(msg, b"k", b"example.org", pem,
                     canonicalize=(b"relaxed", b"relaxed")) + msg


def send(sock, raw, style, i=0):
    return mc.run_message(sock, connect=CLIENT, helo=HELO,
                          macros=mc.mta_macros(style, qid="A%06d" % i),
                          mail_from=MAIL_FROM, rcpts=["<x@example.net>"], message=raw,
                          buffered=(style == "postfix"), filter_macros=True)


def cpu_of(daemon, raw, n, style):
    """CPU seconds daemon spent on n messages."""
    before = cpu_seconds(daemon.proc.pid)
    for i in range(n):
        send(daemon.socket, raw, style, i)
    return cpu_seconds(daemon.proc.pid) - before


def measure(runs, n, style, rounds=ROUNDS):
    """CPU per message of each (name, daemon, message) in runs, driven in
    turn, n / rounds messages at a time, so that a change in the shared
    machine's load falls on all of them alike."""
    for _, daemon, raw in runs:                             # warm-up
        cpu_of(daemon, raw, 20, style)
    total = {name: 0.0 for name, _, _ in runs}
    per = max(1, n // rounds)
    for _ in range(rounds):
        for name, daemon, raw in runs:
            total[name] += cpu_of(daemon, raw, per, style)
    return {name: t / (per * rounds) for name, t in total.items()}


def ar_of(res):
    return " ".join(m[-1] for m in res.mods if m[0] in ("insheader", "addheader")
                    and m[-2].lower() == "authentication-results")


def expect(res, label, *wants):
    text = ar_of(res)
    for w in wants:
        if not re.search(r"\b%s\b" % re.escape(w), text):
            sys.exit("%s: no %s in its Authentication-Results: %r (%r)"
                     % (label, w, text, res.final))
    return text


def opendmarc_daemon(work, dns):
    resolv = work.file("resolv.conf", "nameserver %s\noptions timeout:2 attempts:1\n" % dns.host)
    argv, env = private_ns_argv(["/usr/sbin/opendmarc", "-f", "-c", "@CONF@"], work.path,
                                "mail.example.net", resolv_conf=resolv)
    return Daemon(argv, config=OPENDMARC_CONF, conf_name="opendmarc.conf", env=env,
                  echo=False, name="opendmarc")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000)
    n = ap.parse_args().n
    if os.geteuid() != 0 or not have_private_ns():
        print("auth-bench: needs root and mount namespaces (port 53, OpenDMARC's resolv.conf)")
        return
    if not os.access("/usr/sbin/opendmarc", os.X_OK):
        print("auth-bench: /usr/sbin/opendmarc missing (apt-get install opendmarc)")
        return
    rows = {}
    with dc.Keys() as keys, TestDNS(port=53, host=DNS_HOST, ipv6=False) as dns:
        keys.make("example.org", "k", "rsa")
        dns.txt("k._domainkey.example.org", keys.keys[("example.org", "k")][2])
        dns.txt("example.org", "v=spf1 ip4:203.0.113.7 -all")
        dns.txt(HELO, "v=spf1 ip4:203.0.113.7 -all")
        dns.txt("_dmarc.example.org", "v=DMARC1; p=reject")
        dns.start()
        raw = signed_4k(keys)
        ours = Daemon([milter_binary("dkim"), "-f", "-c", "@CONF@"],
                      config=OURS_CONF % {"dns": dns.server},
                      ready_log=r"starting milterkit-dkim", echo=False)
        theirs = Daemon(["/usr/sbin/opendkim", "-f", "-x", "@CONF@"], config=OPENDKIM_CONF,
                        conf_name="opendkim.conf", echo=False, name="opendkim",
                        files={"unbound.conf": UNBOUND_CONF % dns.server})
        work = Workdir(prefix="milterkit-bench-")
        try:
            with ours, theirs, opendmarc_daemon(work, dns) as dmarcd:
                shown = expect(send(ours.socket, raw, "postfix"), "milterkit-dkim",
                               "spf=pass", "dkim=pass", "dmarc=pass")
                res = send(theirs.socket, raw, "postfix")
                shown_dkim = expect(res, "opendkim", "dkim=pass")
                checked = dc.delivered(res, "postfix")      # as the next milter sees it
                shown_dmarc = expect(send(dmarcd.socket, checked, "postfix"), "opendmarc",
                                     "spf=pass", "dmarc=pass")
                runs = (("ours", ours, raw), ("opendkim", theirs, raw),
                        ("opendmarc", dmarcd, checked))
                for style in STYLES:
                    rows[style] = measure(runs, n, style)
        finally:
            work.cleanup()
    print("milterkit-dkim (SPF + DKIM + DMARC) vs OpenDKIM %s + OpenDMARC %s: CPU per "
          "verified message" % (opendkim_version(), opendmarc_version()))
    print("(utime+stime from /proc), %d messages of %d bytes, RSA-2048 relaxed/relaxed, "
          "keys and records" % (n, len(raw)))
    print("from a test DNS, one milter connection per message.")
    print("ours:      %s" % shown.strip().replace("\n\t", " "))
    print("opendkim:  %s" % shown_dkim.strip().replace("\n\t", " "))
    print("opendmarc: %s" % shown_dmarc.strip().replace("\n\t", " "))
    for style in STYLES:
        report(style, rows[style])


def report(style, row):
    ms = lambda x: "%8.3f ms" % (x * 1000)          # noqa: E731
    peers = row["opendkim"] + row["opendmarc"]
    print()
    print("client writes %s-style" % style)
    print("    milterkit-dkim, SPF + DKIM + DMARC      %s" % ms(row["ours"]))
    print("    OpenDKIM (DKIM)                         %s" % ms(row["opendkim"]))
    print("    OpenDMARC (SPF + DMARC)                 %s" % ms(row["opendmarc"]))
    print("    OpenDKIM + OpenDMARC                    %s" % ms(peers))
    print("    ratio milterkit-dkim / peers            %8.2f" % (row["ours"] / peers))
    print("target: at most 0.5 x the peers' sum: %s"
          % ("met" if row["ours"] <= 0.5 * peers else "NOT met"))


def opendmarc_version():
    out = subprocess.run(["/usr/sbin/opendmarc", "-V"], capture_output=True, text=True).stdout
    m = re.search(r"v([\d.]+)", out)
    return m.group(1) if m else "?"


if __name__ == "__main__":
    main()
