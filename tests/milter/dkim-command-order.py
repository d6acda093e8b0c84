"""dkim-command-order.py - milterkit-dkim answers every order of milter
commands that reaches it with a defined reply, and never crashes (issue 10
finding 1: EOM right after MAIL/RCPT, with no header and no EOH, made
dk_eom -> eom_verify -> dkim_verify_finish(NULL) crash).

libmilter itself keeps a state table (engine.c next_states): with RCPT
negotiated away, a body or EOM right after MAIL reaches the milter; a body
or EOM after headers without EOH, a second EOH, a header after EOH, a
second EOM, an EOM after an abort or without MAIL are dropped by libmilter
(after calling xxfi_abort when a message was open) and get no reply at
all, whatever the milter does.  For both paths (trusted client: sign;
outside client: verify) each sequence is sent on one milter connection:
  - reaching us out of order: the EOM reply is dkim.on_error (tempfail),
    with one log line naming the step;
  - in order but unusual (no header at all, MAIL twice): a normal reply;
  - dropped by libmilter: nothing is awaited;
then the same connection (after QUIT_NC, when a reply came) and a new one
must still get a good message signed or verified.
"""

from mktest import check, run_test
from mktest import milterclient as mc

from mktest import dkimtest as dc

HDRS = [("From", " John <john@example.net>"), ("To", " x@example.org"),
        ("Subject", " order")]
BODY = b"Hello.\r\n"

# (name, steps, expected EOM reply, log text or None).  Steps: "mail",
# "hdr", "eoh", "body", "abort", "eom"; the EOM reply is read for the last
# step only ("dropped": libmilter drops a step, no reply is awaited).
# "body!" is a body chunk libmilter drops (a step before it was dropped,
# and libmilter then drops everything up to the next MAIL): no reply.
SEQUENCES = [
    ("eom right after mail", ["mail", "eom"], "tempfail",
     "end of message without end of headers"),
    ("body right after mail", ["mail", "body", "eom"], "tempfail",
     "body before end of headers"),
    ("body right after mail, then eoh", ["mail", "body", "eoh", "eom"], "dropped", None),
    ("no header at all", ["mail", "eoh", "body", "eom"], "any", None),
    ("mail twice", ["mail", "hdr", "mail", "hdr", "eoh", "body", "eom"], "good", None),
    ("headers, no eoh", ["mail", "hdr", "eom"], "dropped", None),
    ("body without eoh", ["mail", "hdr", "body!", "eom"], "dropped", None),
    ("eoh twice", ["mail", "hdr", "eoh", "eoh", "body!", "eom"], "dropped", None),
    ("header after eoh", ["mail", "hdr", "eoh", "hdr", "body!", "eom"], "dropped", None),
    ("eom twice", ["mail", "hdr", "eoh", "body", "eom", "eom"], "dropped", None),
    ("abort, then eom", ["mail", "hdr", "abort", "eom"], "dropped", None),
    ("eom without mail", ["eom"], "dropped", None),
    ("headers without mail", ["hdr", "eoh", "body!", "eom"], "dropped", None),
]


def run_steps(cl, steps, macros, dropped):
    reply, mods = None, []
    for i, step in enumerate(steps):
        if step == "mail":
            cl.mail("<john@example.net>", macros=macros.get("M"))
        elif step == "hdr":
            for name, value in HDRS:
                cl.header(name, value, macros=macros.get("N"))
        elif step == "eoh":
            cl.eoh(macros=macros.get("N"))
        elif step == "body":
            cl.body(BODY, macros=macros.get("E"))
        elif step == "body!":
            cl.macro("E", macros.get("E"))
            cl.send_packet(mc.SMFIC_BODY, BODY)       # no reply read
        elif step == "abort":
            cl.abort()
        elif step == "eom" and (dropped or i < len(steps) - 1):
            cl.macro("E", macros.get("E"))
            cl.send_packet(mc.SMFIC_BODYEOB)          # no reply read
        elif step == "eom":
            reply, mods = cl.eom(macros=macros.get("E"))
    return reply, mods


def good_message(d, cl, connect, mta, label):
    """A well-formed message on client cl (or a new connection)."""
    res = mc.run_message(d.socket, connect=connect, macros=mc.mta_macros(mta, qid="QGOOD"),
                         mail_from="<john@example.net>", rcpts=["<x@example.org>"],
                         message=dc.message(), client=cl, quit=cl is None)
    if connect == dc.INTERNAL:
        check(len(dc.signatures(res)) == 1 and res.final == "continue",
              "%s: a good message is signed" % label, res)
    else:
        check([r for r, _ in dc.ar_results(dc.ar_values(res)[0])] == ["none"],
              "%s: a good message is verified" % label, res)
    return res


def main():
    count = 0
    with dc.Keys() as keys:
        keys.make("example.net", "rsa1", "rsa")
        keys.write_source()
        with dc.start(dc.dkim_conf(keys)) as d:
            for connect, mta in ((dc.INTERNAL, "sendmail"), (dc.OUTSIDE, "postfix")):
                path = "sign" if connect == dc.INTERNAL else "verify"
                macros = mc.mta_macros(mta, qid="QORDER")
                for name, steps, want, logged in SEQUENCES:
                    label = "%s/%s" % (path, name)
                    with mc.MilterClient(d.socket) as cl:
                        cl.negotiate()
                        cl.connect(connect[0], connect[1], connect[2], macros=macros.get("C"))
                        reply, mods = run_steps(cl, steps, macros, want == "dropped")
                        if want == "good":
                            check(reply == "continue" and any(m[0] == "insheader" for m in mods),
                                  "%s: the second message is handled" % label, reply, mods)
                        elif want in ("tempfail", "continue"):
                            check(reply == want, "%s: EOM reply %s" % (label, want), reply, mods)
                        if want != "dropped":
                            check(reply is not None and reply.kind in (
                                "continue", "tempfail", "replycode", "accept"),
                                  "%s: a defined reply" % label, reply)
                        if logged:
                            d.wait_for_log(r"QORDER: dkim=error action=tempfail reason=\"the "
                                           r"MTA broke the protocol order: %s\"" % logged)
                        if want != "dropped":  # the connection goes on with a new session
                            cl.quit_nc()
                            good_message(d, cl, connect, mta, label + " (same connection)")
                            cl.quit()
                    check(d.alive(), "%s: daemon alive" % label)
                    good_message(d, None, connect, mta, label + " (new connection)")
                    count += 1
    print("command-order checks passed: %d" % count)


run_test(main)
