#!/usr/bin/python3
"""tests/e2e/relay-milter-stopped.py - the site is never an open relay:
with milterkit-relay stopped (or never started), sendmail with F=T and
Postfix with milter_default_action = tempfail, both configured to relay
for loopback clients on their own, answer relaying attempts with a
temporary failure and deliver nothing; with the milter running the same
attempt is a 550.  Exit 0 pass, 1 fail, 77 skip."""


from mktest import log, run_test, smtp_connect, smtp_quit
from mktest.mta import (Postfix, Sendmail, milterkit_milter, require_postfix,
                 require_sendmail)
from mktest.sink import Sink
from mktest.testdns import TestDNS


def relay_milter(dns):
    return milterkit_milter('relay', lambda m: (
        'site: { domain = "example.net"; hostname = "mail.example.net";\n'
        '  internal_networks = ["10.255.255.0/24"]; user = "nobody";\n'
        '  dns = { servers = ["%s"]; timeout = 1; }; };\n'
        'relay: { socket = "%s"; local_domains = ["example.net"]; };\n'
        % (dns.server, m.socket)))


def attempt(port, source='127.0.0.7'):
    """MAIL + RCPT to a remote domain; returns (mail code, rcpt code, text)."""
    s = smtp_connect(port, source=source)
    try:
        mc, mtext = s.mail('user@example.org')
        rc, text = s.rcpt('someone@example.org')
        if rc == 250:
            s.data(b'Subject: open relay?\r\n\r\nhi\r\n')
        if mc != 250:       # what the client sees: the MAIL reply
            text = mtext
        return mc, rc, text.decode('utf-8', 'replace')
    finally:
        smtp_quit(s)


def check_mta(cls, dns):
    with Sink() as sink:
        milter = relay_milter(dns)
        try:
            with cls(sink.port, milters=[milter.spec()]) as mta:
                milter.start()
                mc, rc, text = attempt(mta.port)
                if rc != 550 or 'Relaying denied' not in text:
                    raise AssertionError('%s with the milter: %s %s' % (mta.name, rc, text))
                milter.proc.stop()          # the milter goes away under the MTA
                milter.proc = None
                mc, rc, text = attempt(mta.port)
                code = rc if mc == 250 else mc
                if not 400 <= code < 500:
                    raise AssertionError('%s without the milter: %s %s (MAIL %s): open relay?\n%s'
                                         % (mta.name, rc, text, mc, mta.log()[-3000:]))
                log('ok: %s without milter: MAIL %s, RCPT %s, %s' % (mta.name, mc, rc, text))
                if sink.messages:
                    raise AssertionError('%s delivered %d message(s) without the milter'
                                         % (mta.name, len(sink.messages)))
        finally:
            milter.stop()


def test():
    require_sendmail()
    require_postfix()
    with TestDNS() as dns:
        dns.ptr('127.0.0.7', 'ggl.home.example.net')
        dns.a('ggl.home.example.net', '198.51.100.8')
        dns.start()
        check_mta(Sendmail, dns)
        check_mta(Postfix, dns)


run_test(test)
