#!/usr/bin/python3
"""tests/e2e/postfix-milter-stop.py - stopping a milter while Postfix has an
SMTP session open on it (issue 10, finding 2), with a private Postfix 3.7
and milterkit-dkim: the client has sent MAIL and RCPT (Postfix's milter
session is open) when the daemon gets SIGTERM; a second client is refused
with a 4xx meanwhile (Postfix finds no milter: milter_default_action =
tempfail); the first finishes DATA and its message is signed and delivered
at once; the daemon exits as soon as that SMTP session ends; restarted on
the same socket, it signs the second client's message on its next try.
Before the fix the message in flight got no reply from the milter (Postfix
tempfailed it after its timeout) and the daemon exited about a minute
later.  Exit 0 pass, 1 fail, 77 skip (Postfix not unpacked)."""

import signal
import smtplib
import time

from mktest import Workdir, check, milter_daemon, patience, run_test, smtp_connect
from mktest import dkimtest as dc
from mktest.mta import MilterSpec, Postfix, require_postfix
from mktest.sink import Sink


def message(tag):
    return dc.message(from_addr="John <john@example.net>", subject="stop %s" % tag)


def main():
    require_postfix()
    with Workdir(prefix="milterkit-stop-") as w, dc.Keys() as keys, Sink() as sink:
        keys.make("example.net", "stop", "rsa")
        keys.write_source()
        sock = "unix:%s/dkim.sock" % w.path
        conf = dc.dkim_conf(keys, extra='socket_mode = "0666";')  # Postfix runs as nobody
        d = milter_daemon("dkim", conf, socket=sock)
        with d, Postfix(sink.port, milters=[MilterSpec("milterkit-dkim", sock)]) as pf:
            s = smtp_connect(pf.port)
            check(s.mail("john@example.net")[0] == 250, "MAIL accepted")
            check(s.rcpt("someone@example.org")[0] == 250, "RCPT accepted")
            mark = d.mark()
            d.signal(signal.SIGTERM)
            d.wait_for_log(r"stopping on SIGTERM: no new sessions; [1-9]\d* in flight", since=mark)
            # A new SMTP session now: Postfix cannot reach the milter.
            refused = None
            try:
                s2 = smtp_connect(pf.port)
                try:
                    s2.sendmail("john@example.net", ["other@example.org"], message("second"))
                finally:
                    s2.close()
            except smtplib.SMTPResponseException as e:
                refused = e.smtp_code
            except smtplib.SMTPRecipientsRefused as e:
                refused = list(e.recipients.values())[0][0]
            check(refused is not None and 400 <= refused < 500,
                  "a new session during the stop is tempfailed (got %r)" % refused)
            # The session in flight goes on: its message is signed.
            code, _ = s.data(message("in-flight"))
            check(code == 250, "the message in flight is accepted (%d)" % code, pf.log()[-2000:])
            msgs = sink.wait(1, timeout=60)
            check(b"DKIM-Signature:" in msgs[0].data, "and signed", msgs[0].data[:600])
            check(d.alive(), "the daemon waits while Postfix's session is open")
            t = time.monotonic()
            s.quit()
            d.wait_exit(timeout=20)
            took = time.monotonic() - t
            check(took < patience(3.0), "it exits as soon as the session ends (%.2f s)" % took)
            check(d.returncode == 0, "exit status %r" % d.returncode)
            print("ok: in flight across SIGTERM: signed and delivered; a new session 4xx; "
                  "exit %.2f s after the SMTP session ended" % took)
            # Restarted on the same socket: the second message goes through.
            with milter_daemon("dkim", conf, socket=sock):
                got = sink.wait(1)
                n = len(got)
                s3 = smtp_connect(pf.port)
                s3.sendmail("john@example.net", ["other@example.org"], message("second"))
                s3.quit()
                got = sink.wait(n + 1, timeout=60)
                check(b"DKIM-Signature:" in got[-1].data, "signed after the restart")
            print("ok: restarted on the same socket, the refused message is signed on its "
                  "next try")


run_test(main)
