#!/usr/bin/python3
"""tests/bench/dkim-bench.py - CPU per message of milterkit-dkim against
Debian's OpenDKIM, signing and verifying the same 4 KB message.

Both daemons run in the foreground on a unix socket with an RSA-2048 key
(the same key), keys for verification from a file (milterkit-dkim's
key_source, OpenDKIM's TestPublicKeys), and are driven one message at a
time by mktest.milterclient (tests/lib).  The CPU a daemon spent is read from
/proc/PID/stat (utime + stime of all its threads) before and after a run of
N messages (after a warm-up), so the client's own cost is not counted.  The
raw cost of one RSA-2048 signature comes from `openssl speed`.

Two references put the numbers in scale: floor_milter (floor_milter.c),
which negotiates milterkit-dkim's protocol and does nothing (libmilter's own
cost per message), and floor_milter -k, which also hashes the body and signs
the header bytes once with the same key (the least a libmilter signer can
spend).  Every daemon is driven twice: the client writing each packet on its
own (as sendmail does) and buffering them until a reply is due (as Postfix
does).

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

from mktest import milterclient as mc                    
from mktest import Daemon, milter_binary     

from mktest import dkimtest as dc
from mktest.benchutil import cpu_seconds, message_4k, opendkim_version


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




# How the client writes: "sendmail" writes each packet on its own, as
# sendmail does; "postfix" buffers them and writes before it reads a reply,
# as Postfix's VSTREAM does (a stage's macros with its command, a run of
# no-reply headers with the next command that needs an answer).
STYLES = ("sendmail", "postfix")


def drive(sock, raw, n, connect, style):
    """n messages, one milter connection each (as an MTA does per SMTP
    session; OpenDKIM does not take SMFIC_QUIT_NC).  Macros as the MTA of
    that style sends them, filtered to what the milter asked for."""
    for i in range(n):
        res = mc.run_message(sock, connect=connect,
                             macros=mc.mta_macros(style, qid="B%06d" % i),
                             mail_from="<bench@example.net>", rcpts=["<x@example.org>"],
                             message=raw, buffered=(style == "postfix"),
                             filter_macros=True)
    return res


def measure(daemon, raw, n, connect, style):
    drive(daemon.socket, raw, 20, connect, style)          # warm-up
    before = cpu_seconds(daemon.proc.pid)
    drive(daemon.socket, raw, n, connect, style)
    return (cpu_seconds(daemon.proc.pid) - before) / n


def raw_rsa_sign_seconds():
    out = subprocess.run(["openssl", "speed", "-seconds", "2", "rsa2048"],
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"rsa\s+2048 bits\s+([0-9.]+)s", out)
    return float(m.group(1))


def floor_binary():
    path = os.path.join(os.environ.get("top_builddir", "."), "tests", "bench", "floor_milter")
    if not os.access(path, os.X_OK):
        sys.exit("%s not built (make bench builds it)" % path)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000)
    n = ap.parse_args().n
    raw = message_4k()
    internal, outside = dc.INTERNAL, dc.OUTSIDE
    rows = {style: {} for style in STYLES}
    with dc.Keys() as keys:
        key = keys.make("example.net", "bench", "rsa")
        keys.write_source()
        conf = dc.dkim_conf(keys)
        floor = Daemon([floor_binary(), "-p", "@SOCKET@"], ready_log="starting",
                       echo=False, name="floor_milter")
        with floor:
            for style in STYLES:
                rows[style]["libmilter"] = measure(floor, raw, n, internal, style)
        floor = Daemon([floor_binary(), "-p", "@SOCKET@", "-k", key], ready_log="starting",
                       echo=False, name="floor_milter")
        with floor:
            check_mods(drive(floor.socket, raw, 1, internal, "sendmail"),
                       "X-Floor-Signature", "floor_milter -k")
            for style in STYLES:
                rows[style]["floor_sign"] = measure(floor, raw, n, internal, style)
        ours = Daemon([milter_binary("dkim"), "-f", "-c", "@CONF@"], config=conf,
                      ready_log=r"starting milterkit-dkim", echo=False)
        with ours:
            res = drive(ours.socket, raw, 1, internal, "sendmail")
            check_mods(res, "DKIM-Signature", "milterkit-dkim sign")
            signed = dc.delivered(res)
            res = drive(ours.socket, signed, 1, outside, "postfix")
            check_mods(res, "Authentication-Results", "milterkit-dkim verify", "dkim=pass")
            for style in STYLES:
                rows[style]["ours"] = tuple(measure(ours, m, n, c, style) for m, c in
                                            ((raw, internal), (signed, outside), (raw, outside)))
        theirs = Daemon(["/usr/sbin/opendkim", "-f", "-x", "@CONF@"],
                        config=OPENDKIM_CONF % {"key": key, "keys": keys.source},
                        conf_name="opendkim.conf", echo=False, name="opendkim")
        with theirs:
            res = drive(theirs.socket, raw, 1, internal, "sendmail")
            check_mods(res, "DKIM-Signature", "opendkim sign")
            res = drive(theirs.socket, signed, 1, outside, "postfix")
            check_mods(res, "Authentication-Results", "opendkim verify", "dkim=pass")
            for style in STYLES:
                rows[style]["theirs"] = tuple(measure(theirs, m, n, c, style) for m, c in
                                              ((raw, internal), (signed, outside), (raw, outside)))
    rsa = raw_rsa_sign_seconds()
    print("milterkit-dkim vs OpenDKIM %s: CPU per message (utime+stime from /proc), "
          "%d messages of %d bytes," % (opendkim_version(), n, len(raw)))
    print("RSA-2048, relaxed/relaxed, unix socket, one milter connection per message;")
    print("raw RSA-2048 signature (openssl speed): %.3f ms" % (rsa * 1000))
    for style in STYLES:
        report(style, rsa, rows[style])


def check_mods(res, name, label, want=None):
    vals = [m[-1] for m in res.mods if m[0] in ("insheader", "addheader")
            and m[-2].lower() == name.lower()]
    if not vals or (want and want not in vals[0]):
        sys.exit("%s: no %s (%s) in %r" % (label, name, want or "", res.mods))


def report(style, rsa, row):
    s, v, f = row["ours"]
    os_, ov, of = row["theirs"]
    lm, fs = row["libmilter"], row["floor_sign"]
    ms = lambda x: "%8.3f ms" % (x * 1000)          # noqa: E731
    print()
    print("client writes %s-style (%s)" % (style, "each packet on its own" if style == "sendmail"
                                             else "buffered until a reply is due"))
    print("%-42s %s %s %s" % ("", "milterkit-dkim".rjust(14), "OpenDKIM".rjust(11),
                              "ratio".rjust(8)))
    print("%-42s    %s %s %8.2f" % ("signing", ms(s), ms(os_), s / os_))
    print("%-42s    %s %s %8.2f" % ("verifying (RSA-2048 signature)", ms(v), ms(ov), v / ov))
    print("%-42s    %s %s %8.2f" % ("unsigned message (verify path)", ms(f), ms(of), f / of))
    print("%-42s    %s" % ("libmilter alone (floor_milter)", ms(lm)))
    print("%-42s    %s" % ("libmilter + 1 signature (floor_milter -k)", ms(fs)))
    print("%-42s    %8.2f x    %8.2f x" % ("signing / raw RSA signature", s / rsa, os_ / rsa))
    print("%-42s    %8.2f x" % ("floor_milter -k / raw RSA signature", fs / rsa))
    print("%-42s    %8.2f x    %8.2f x" % ("(signing - libmilter) / raw RSA", (s - lm) / rsa,
                                         (os_ - lm) / rsa))
    ok = [s <= 1.3 * rsa, s <= 0.5 * os_, v < ov]
    print("targets: signing <= 1.3x raw RSA: %s; signing <= 0.5x OpenDKIM: %s; "
          "verifying < OpenDKIM: %s" % tuple("met" if o else "NOT met" for o in ok))
    if not ok[0]:
        print("  libmilter's own cost is %.2f x a raw RSA signature here; the least a "
              "libmilter signer can do costs %.2f x" % (lm / rsa, fs / rsa))



if __name__ == "__main__":
    main()
