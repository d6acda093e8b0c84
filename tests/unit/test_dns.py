"""tests/unit/test_dns.py - runs tests/unit/test_dns (lib/dns, cmocka)
against a real unbound on loopback (tests/e2e/testdns.py) and a UDP port
that never answers (for the timeout cases).  Everything started here is
stopped on every path (with-blocks; harness.run_test turns signals into
SystemExit)."""

import os
import socket
import subprocess

from mktest import Skip, builddir, run_test
from mktest.testdns import UNBOUND, TestDNS


def records(dns):
    dns.a('host.test', '127.0.0.10').a('host.test', '127.0.0.11')
    dns.aaaa('host.test', '2001:db8::10')
    dns.add('alias.test', 'CNAME', 'host.test.')
    dns.a('v4only.test', '127.0.0.20')
    dns.ptr('127.0.0.10', 'host.test')
    dns.ptr('2001:db8::10', 'host6.test').aaaa('host6.test', '2001:db8::10')
    dns.ptr('127.0.0.12', 'a.test').ptr('127.0.0.12', 'b.test')
    for i in range(20):
        dns.ptr('127.0.0.14', 'n%d.test' % i)
    dns.ptr('127.0.0.15', 'good.test')
    dns.add('15.0.0.127.in-addr.arpa.', 'PTR', r'bad\032name.test.')
    dns.ptr('127.0.0.16', 'forged.test').a('forged.test', '127.0.0.99')
    for i in range(40):
        dns.a('many.test', '127.0.1.%d' % i)
    dns.txt('sel._domainkey.test', ['v=DKIM1; k=rsa; ', 'p=ABC'])
    dns.txt('multi.test', 'one').txt('multi.test', 'two')
    dns.txt('long.test', ''.join(chr(97 + i % 26) for i in range(600)))
    dns.txt('huge.test', 'x' * 9000)
    dns.zone('refused.test', 'refuse')
    dns.mx('mx.test', 10, 'mail1.test').mx('mx.test', 20, 'mail2.test')
    dns.add('nullmx.test', 'MX', '0 .')
    for i in range(40):
        dns.txt('manytxt.test', 'rec %d' % i)


def servfail_zone():
    """Extra unbound lines: servfail.test is forwarded to a loopback address
    that unbound refuses to query (do-not-query-localhost), so the server
    answers SERVFAIL at once (unbound 1.17 has no always_servfail zone)."""
    return ['local-zone: "servfail.test." transparent',
            'forward-zone:', 'name: "servfail.test."',
            'forward-addr: 127.0.0.1@9']


def main():
    prog = os.path.join(builddir(), 'tests', 'unit', 'test_dns')
    if not os.path.exists(UNBOUND):
        raise Skip('no %s' % UNBOUND)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent, \
            TestDNS(ipv6=False, extra=servfail_zone()) as dns:
        silent.bind(('127.0.0.1', 0))   # bound, never read: queries time out
        records(dns)
        dns.start()
        env = dict(os.environ, MK_DNS_SERVER=dns.server,
                   MK_DNS_SILENT='127.0.0.1@%d' % silent.getsockname()[1])
        r = subprocess.run([prog], env=env, timeout=300)
        if r.returncode != 0:
            print(dns.log()[-4000:])
            raise AssertionError('test_dns exited %d' % r.returncode)


if __name__ == '__main__':
    run_test(main)
