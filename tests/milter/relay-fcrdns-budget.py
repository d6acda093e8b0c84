"""relay-fcrdns-budget.py - one FCrDNS check of milterkit-relay ends within
relay.fcrdns_timeout however many names the PTR record gives and however
slowly they resolve (sixteen names whose addresses never come: once 16
queries of up to site.dns.timeout each, 68.9 s measured, long after
Postfix's 30 s milter_command_timeout), and the 451 reply names the step
that failed: the address of a PTR name, not "Cannot resolve PTR record"
when the PTR record resolved.

DNS: unbound on loopback answers the PTR records; the names under slow.test
are forwarded to a UDP port that reads nothing (a server that never
answers)."""

import re
import socket
import time

from mktest import milterclient as mc
from mktest import milter_daemon, run_test, check, patience
from mktest.testdns import TestDNS

CONF = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["10.255.255.0/24"];
        dns = { servers = ["@DNS@"]; timeout = 2; }; };
relay: { socket = "@SOCKET@"; local_domains = ["example.net"]; fcrdns_timeout = 3; };
'''
CLIENT_SLOW = "127.0.0.60"     # 16 PTR names, none resolves
CLIENT_ONE = "127.0.0.61"      # 1 PTR name, it does not resolve


def send(d, addr):
    t = time.monotonic()
    res = mc.run_message(d.socket, connect=("client", addr, 40000),
                         macros=mc.mta_macros("postfix", qid="QBUDGET"),
                         mail_from="<x@example.org>", rcpts=["<someone@example.org>"],
                         headers=[("Subject", " budget")], body=b"x\r\n", timeout=120)
    return res.rcpt_replies[0][1], time.monotonic() - t


def main():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        extra = ["do-not-query-localhost: no", 'local-zone: "slow.test." transparent',
                 "forward-zone:", '  name: "slow.test."',
                 "  forward-addr: 127.0.0.1@%d" % silent.getsockname()[1]]
        with TestDNS(ipv6=False, extra=extra) as dns:
            for i in range(1, 17):
                dns.ptr(CLIENT_SLOW, "h%d.slow.test" % i)
            dns.ptr(CLIENT_ONE, "only.slow.test")
            dns.start()
            with milter_daemon("relay", CONF.replace("@DNS@", dns.server)) as d:
                reply, took = send(d, CLIENT_SLOW)
                check(reply.smtp.startswith("451 4.4.3"), "DNS out of time: 451 4.4.3", reply)
                check(re.search(r"Out of time resolving the PTR names of \[127\.0\.0\.60\] "
                                r"\(h\d+\.slow\.test did not resolve\)", reply.smtp),
                      "the reply names the step", reply.smtp)
                check("Cannot resolve PTR record" not in reply.smtp, "not the PTR's fault")
                check(took < patience(3 + 3), "within fcrdns_timeout (3 s): %.1f s" % took)
                print("ok: 16 silent PTR names: %r after %.1f s (fcrdns_timeout 3 s; "
                      "16 x 2 s without a budget)" % (reply.smtp, took))
                d.wait_for_log(r"fcrdns=TEMP client=\[127\.0\.0\.60\] .*reason=\"time budget "
                               r"spent before a name resolved back\"")
                reply, took = send(d, CLIENT_ONE)
                check("Cannot resolve the address of only.slow.test, PTR name of [127.0.0.61]"
                      in reply.smtp, "one silent name: the reply names it", reply.smtp)
                print("ok: one silent PTR name: %r after %.1f s" % (reply.smtp, took))


run_test(main)
