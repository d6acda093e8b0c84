#!/usr/bin/python3
"""tests/bench/dkim-bench.py - CPU per message of milterkit-dkim against
Debian's OpenDKIM, signing and verifying the same 4 KB message.

Both daemons run in the foreground on a unix socket with an RSA-2048 key
(the same key), keys for verification from a file (milterkit-dkim's
key_source, OpenDKIM's TestPublicKeys), and are driven one message at a
time by tests/milter/milterclient.py.  The CPU a daemon spent is read from
/proc/PID/stat (utime + stime of all its threads) before and after a run of
N messages (after a warm-up), so the client's own cost is not counted.  The
raw cost of one RSA-2048 signature comes from `openssl speed`.

Usage: dkim-bench.py [-n MESSAGES]   (run by tests/bench/run.sh / make bench)
Not a test: it prints numbers and the targets of issue 5, and exits 0.
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("top_srcdir") or os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(TOP, "tests", "milter"), os.path.join(TOP, "tests", "e2e")]

import milterclient as mc                      # noqa: E402
from daemon import Daemon, milter_binary       # noqa: E402

import importlib.util                          # noqa: E402
_spec = importlib.util.spec_from_file_location(
    "dkim_common", os.path.join(TOP, "tests", "milter", "dkim-common.py"))
dc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dc)

TICK = os.sysconf("SC_CLK_TCK")

OPENDKIM_CONF = """\
Mode                    sv
Domain                  example.net
Selector                bench
KeyFile                 %(key)s
Socket                  @SOCKET@
InternalHosts           192.168.0.0/16
Canonicalization        relaxed/relaxed
AuthservID              mail.example.net
AlwaysAddARHeader       yes
TestPublicKeys          %(keys)s
Syslog                  no
PidFile                 @TMPDIR@/opendkim.pid
UMask                   007
RequireSafeKeys         no
"""


def message_4k():
    """A 4096-byte message: the usual headers and plain text lines."""
    head = dc.message(from_addr="Bench <bench@example.net>", body=b"")
    line = b"Line %03d of a benchmark message, plain ASCII text for DKIM.\r\n"
    body = b""
    i = 0
    while len(head) + len(body) + len(line % i) <= 4096 - 2:
        body += line % i
        i += 1
    body += b"x" * (4096 - 2 - len(head) - len(body)) + b"\r\n"
    return head + body


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK   # utime, stime


def drive(sock, raw, n, connect, mta="sendmail"):
    """n messages, one milter connection each (as an MTA does per SMTP
    session; OpenDKIM does not take SMFIC_QUIT_NC)."""
    for i in range(n):
        res = mc.run_message(sock, connect=connect,
                             macros=mc.mta_macros(mta, qid="B%06d" % i),
                             mail_from="<bench@example.net>", rcpts=["<x@example.org>"],
                             message=raw)
    return res


def measure(daemon, raw, n, connect):
    drive(daemon.socket, raw, 20, connect)                 # warm-up
    before = cpu_seconds(daemon.proc.pid)
    drive(daemon.socket, raw, n, connect)
    return (cpu_seconds(daemon.proc.pid) - before) / n


def raw_rsa_sign_seconds():
    out = subprocess.run(["openssl", "speed", "-seconds", "2", "rsa2048"],
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"rsa\s+2048 bits\s+([0-9.]+)s", out)
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000)
    n = ap.parse_args().n
    raw = message_4k()
    internal, outside = dc.INTERNAL, dc.OUTSIDE
    with dc.Keys() as keys:
        key = keys.make("example.net", "bench", "rsa")
        keys.write_source()
        conf = dc.dkim_conf(keys)
        ours = Daemon([milter_binary("dkim"), "-f", "-c", "@CONF@"], config=conf,
                      ready_log=r"starting milterkit-dkim", echo=False)
        with ours:
            res = drive(ours.socket, raw, 1, internal)
            check_mods(res, "DKIM-Signature", "milterkit-dkim sign")
            signed = dc.delivered(res)
            res = drive(ours.socket, signed, 1, outside, "postfix")
            check_mods(res, "Authentication-Results", "milterkit-dkim verify", "dkim=pass")
            ours_sign = measure(ours, raw, n, internal)
            ours_verify = measure(ours, signed, n, outside)
            ours_floor = measure(ours, raw, n, outside)
        theirs = Daemon(["/usr/sbin/opendkim", "-f", "-x", "@CONF@"],
                        config=OPENDKIM_CONF % {"key": key, "keys": keys.source},
                        conf_name="opendkim.conf", echo=False, name="opendkim")
        with theirs:
            res = drive(theirs.socket, raw, 1, internal)
            check_mods(res, "DKIM-Signature", "opendkim sign")
            res = drive(theirs.socket, signed, 1, outside, "postfix")
            check_mods(res, "Authentication-Results", "opendkim verify", "dkim=pass")
            od_sign = measure(theirs, raw, n, internal)
            od_verify = measure(theirs, signed, n, outside)
            od_floor = measure(theirs, raw, n, outside)
    rsa = raw_rsa_sign_seconds()
    report(n, len(raw), rsa, (ours_sign, ours_verify, ours_floor),
           (od_sign, od_verify, od_floor))


def check_mods(res, name, label, want=None):
    vals = [m[-1] for m in res.mods if m[0] in ("insheader", "addheader")
            and m[-2].lower() == name.lower()]
    if not vals or (want and want not in vals[0]):
        sys.exit("%s: no %s (%s) in %r" % (label, name, want or "", res.mods))


def report(n, size, rsa, ours, theirs):
    s, v, f = ours
    os_, ov, of = theirs
    ms = lambda x: "%8.3f ms" % (x * 1000)          # noqa: E731
    print("milterkit-dkim vs OpenDKIM %s: CPU per message (utime+stime from /proc), "
          "%d messages of %d bytes," % (opendkim_version(), n, size))
    print("RSA-2048, relaxed/relaxed, unix socket, one milter connection per message")
    print("%-34s %s %s %s" % ("", "milterkit-dkim".rjust(14), "OpenDKIM".rjust(11),
                              "ratio".rjust(8)))
    print("%-34s    %s %s %8.2f" % ("signing", ms(s), ms(os_), s / os_))
    print("%-34s    %s %s %8.2f" % ("verifying (RSA-2048 signature)", ms(v), ms(ov), v / ov))
    print("%-34s    %s %s %8.2f" % ("unsigned message (protocol floor)", ms(f), ms(of), f / of))
    print("%-34s    %s" % ("raw RSA-2048 signature (openssl)", ms(rsa)))
    print("%-34s    %8.2f x    %8.2f x" % ("signing / raw RSA signature", s / rsa, os_ / rsa))
    print("%-34s    %8.2f x    %8.2f x" % ("(signing - floor) / raw RSA", (s - f) / rsa,
                                         (os_ - of) / rsa))
    ok = [s <= 1.3 * rsa, s <= 0.5 * os_, v < ov]
    print("targets: signing <= 1.3x raw RSA: %s; signing <= 0.5x OpenDKIM: %s; "
          "verifying < OpenDKIM: %s" % tuple("met" if o else "NOT met" for o in ok))


def opendkim_version():
    out = subprocess.run(["/usr/sbin/opendkim", "-V"], capture_output=True, text=True).stdout
    m = re.search(r"v([\d.]+)", out)
    return m.group(1) if m else "?"


if __name__ == "__main__":
    main()
