"""masq-header-indices.py - milterkit-masq changes exactly the right header
(name and index) to exactly the right value, the envelope sender with its
ESMTP parameters, and nothing for untrusted clients or untouched headers."""
from mktest import milterclient as mc
from mktest import milter_daemon, run_test, check

CONF = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["127.0.0.0/8", "::1/128", "192.168.0.0/16"];
        submission_daemons = ["MSA"]; };
masq: { socket = "@SOCKET@"; as = "example.net"; domains = ["home.example.net"];
        entire_domain = true; envelope = true; exposed_users = ["root"]; };
'''

HEADERS = [
    ("Received", " from pc1 by mail"),
    ("From", ' "Doe, J." <john@pc1.home.example.net> (home), root@pc1.home.example.net'),
    ("To", " jane@pc2.home.example.net"),
    ("Reply-To", " list@example.org"),
    ("Reply-To", " john@pc1.home.example.net"),
    ("Subject", " john@pc1.home.example.net is not an address header"),
    ("Sender", " Bad <unbalanced@pc1.home.example.net"),
]


def send(d, addr="192.168.1.20", macros=None, mail_args=("SIZE=1234", "RET=HDRS", "BODY=8BITMIME", "ENVID=QQ314159")):
    return mc.run_message(d.socket, connect=("pc1.home.example.net", addr, 40000),
                          macros=macros or mc.mta_macros("sendmail", qid="Q1ABC"),
                          mail_from="<john@pc1.home.example.net>", mail_args=mail_args,
                          rcpts=["<someone@example.org>"], headers=HEADERS,
                          body=b"hello\r\n")


def main():
    with milter_daemon("masq", CONF) as d:
        res = send(d)
        cl = res.negotiated
        check(cl.wants(mc.SMFIP_NOBODY), "asks for no body", cl.describe())
        check(cl.leadspc, "negotiates SMFIP_HDR_LEADSPC", cl.describe())
        hdr_mods = res.mods_of("chgheader", "addheader", "insheader")
        want = [
            ("chgheader", 1, "From",
             ' "Doe, J." <john@example.net> (home), root@pc1.home.example.net'),
            ("chgheader", 2, "Reply-To", " john@example.net"),
        ]
        check(sorted(hdr_mods) == sorted(want), "exactly From[1] and Reply-To[2] changed",
              hdr_mods)
        check([m[:2] for m in res.mods_of("chgfrom")] == [("chgfrom", "<john@example.net>")]
              and not res.mods_of("chgfrom")[0][2],
              "envelope sender rewritten, no ESMTP parameters handed back (the MTA keeps them)",
              res.mods_of("chgfrom"))
        check(not res.mods_of("addrcpt", "delrcpt"), "recipients never touched")
        after = res.header_values("From", mta="sendmail")
        check(after == [' "Doe, J." <john@example.net> (home), root@pc1.home.example.net'],
              "From as delivered", after)
        d.wait_for_log(r"Q1ABC: masq=header header=From index=1")
        d.wait_for_log(r"masq=untouched header=Sender index=1")

        # The same from outside: untrusted, accepted untouched at MAIL.
        out = send(d, addr="203.0.113.7")
        check(out.replies["mail"] == "accept", "untrusted: accept at MAIL", out.replies)
        check(out.mods == [], "untrusted: no change", out.mods)

        # Outside address but authenticated: trusted.
        auth = send(d, addr="203.0.113.7",
                    macros=mc.mta_macros("postfix", qid="Q2AUTH", auth_authen="john"))
        check(("chgheader", 2, "Reply-To", " john@example.net") in auth.mods,
              "AUTH makes mail trusted", auth.mods)
        # Submission daemon name: trusted.
        msa = send(d, addr="203.0.113.7",
                   macros=mc.mta_macros("sendmail", qid="Q3MSA", daemon_name="MSA"))
        check(len(msa.mods_of("chgheader")) == 2, "{daemon_name}=MSA is trusted", msa.mods)
        # Twice through: idempotent, no change the second time.
        applied = res.headers_after("sendmail")
        again = mc.run_message(d.socket, connect=("pc1", "192.168.1.20", 40000),
                               macros=mc.mta_macros("sendmail", qid="Q4AGAIN"),
                               mail_from="<john@example.net>", rcpts=["<x@example.org>"],
                               headers=applied, body=b"x\r\n")
        check(again.mods_of("chgheader", "chgfrom") == [], "second pass changes nothing",
              again.mods)


run_test(main)
