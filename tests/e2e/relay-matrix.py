#!/usr/bin/python3
"""tests/e2e/relay-matrix.py - milterkit-relay's relay decisions through
real sendmail 8.17 and real Postfix 3.7, with its DNS on a private unbound
on loopback, and the decisions identical on both MTAs.

Both MTAs are configured to relay for every loopback client on their own
(sendmail RELAY_DOMAIN(`127'), Postfix permit_mynetworks): whatever is
refused here was refused by the milter.  Clients connect from distinct
127.0.0.x source addresses (and ::1 when IPv6 loopback works).
Exit 0 pass, 1 fail, 77 skip (MTAs not unpacked, relay milter not built)."""


from mktest import have_ipv6, log, run_test, smtp_connect, smtp_quit
from mktest.mta import (Postfix, Sendmail, milterkit_milter, require_postfix,
                 require_sendmail)
from mktest.sink import Sink
from mktest.testdns import TestDNS

ACCESS = """Connect:home.example.net        RELAY
Connect:127.0.0.20              RELAY
Connect:IPv6:0:0:0:0:0:0:0:1    RELAY
Connect:127.0.0.50              REJECT
To:blocked@example.net          REJECT
"""

REMOTE = 'someone@example.org'
LOCAL = 'postmaster@example.net'
MSG = b'From: x@example.org\r\nTo: y@example.org\r\nSubject: relay e2e\r\n\r\nhi\r\n'


def records(dns):
    dns.ptr('127.0.0.10', 'pc10.home.example.net')      # confirmed home host
    dns.a('pc10.home.example.net', '127.0.0.10')
    dns.ptr('127.0.0.11', 'pc11.home.example.net')      # same, for the timeout case
    dns.a('pc11.home.example.net', '127.0.0.11')
    dns.ptr('127.0.0.7', 'ggl.home.example.net')        # forged
    dns.a('ggl.home.example.net', '198.51.100.8')
    dns.ptr('127.0.0.30', 'nothere.example.org')        # multi-PTR, one confirms
    dns.ptr('127.0.0.30', 'pc30.home.example.net')
    dns.a('pc30.home.example.net', '127.0.0.30')
    dns.ptr('127.0.0.40', 'host.example.org')           # confirmed stranger
    dns.a('host.example.org', '127.0.0.40')


def relay_milter(dns, port=None):
    return milterkit_milter('relay', lambda m: (
        'site: { domain = "example.net"; hostname = "mail.example.net";\n'
        '  internal_networks = ["10.255.255.0/24"]; user = "nobody";\n'
        '  dns = { servers = [%s]; timeout = 1; }; };\n'
        'relay: { socket = "%s"; access = "%s"; local_domains = ["example.net"]; };\n'
        % (', '.join('"%s"' % s for s in dns.servers), m.socket,
           m.work.file('access', ACCESS))), port=port)


def session(port, source, rcpts, host='127.0.0.1', mail_from='user@example.org'):
    """One SMTP transaction; returns [(code, text) per rcpt] and the DATA
    reply code (None when no recipient was accepted)."""
    s = smtp_connect(port, host=host, source=source)
    try:
        code, text = s.mail(mail_from)
        if code != 250:
            return [(code, text.decode())] * len(rcpts), None
        out = []
        for r in rcpts:
            c, t = s.rcpt(r)
            out.append((c, t.decode('utf-8', 'replace')))
        data = None
        if any(c == 250 for c, _ in out):
            data = s.data(MSG)[0]
        else:
            s.rset()
        return out, data
    finally:
        smtp_quit(s)


# (what, source, [(rcpt, expected code, phrase in the reply or None)])
CASES = [
    ('confirmed home host relays', '127.0.0.10', [(REMOTE, 250, None)]),
    ('forged PTR refused', '127.0.0.7',
     [(REMOTE, 550, 'Relaying denied. IP name possibly forged [127.0.0.7]'),
      (LOCAL, 250, None)]),
    ('no PTR, address entry relays', '127.0.0.20', [(REMOTE, 250, None)]),
    ('no PTR refused', '127.0.0.21',
     [(REMOTE, 550, 'IP name lookup failed [127.0.0.21]'), (LOCAL, 250, None)]),
    ('multi-PTR relays', '127.0.0.30', [(REMOTE, 250, None)]),
    ('confirmed stranger refused', '127.0.0.40',
     [(REMOTE, 550, 'Authenticate first'), (LOCAL, 250, None)]),
    ('Connect: REJECT', '127.0.0.50', [(LOCAL, 550, 'Access denied')]),
    ('To: REJECT', '127.0.0.10', [('blocked@example.net', 550, 'Access denied'),
                                  (LOCAL, 250, None)]),
]


def run_cases(mta, sink, cases, host='127.0.0.1'):
    decisions = []
    for what, source, rcpts in cases:
        before = len(sink.messages)
        got, data = session(mta.port, source, [r for r, _, _ in rcpts], host=host)
        for (rcpt, code, phrase), (c, text) in zip(rcpts, got):
            if c != code or (phrase and phrase not in text):
                raise AssertionError('%s: %s: %s from %s: want %s %r, got %s %r\n%s'
                                     % (mta.name, what, rcpt, source, code, phrase, c,
                                        text, mta.log()[-3000:]))
            decisions.append((what, rcpt, c, text.split(' ', 1)[0] if c != 250 else ''))
        accepted = [r for (r, _, _), (c, _) in zip(rcpts, got) if c == 250]
        if accepted:
            if data != 250:
                raise AssertionError('%s: %s: DATA answered %s' % (mta.name, what, data))
            msgs = sink.wait(before + 1)
            if sorted(msgs[-1].rcpt_tos) != sorted(accepted):
                raise AssertionError('%s: %s: sink got %r, want %r'
                                     % (mta.name, what, msgs[-1].rcpt_tos, accepted))
        log('ok: %s: %s' % (mta.name, what))
    return decisions


def dns_timeout_case(mta, dns):
    """The DNS server frozen: relaying from a host whose name is needed
    is a 451 4.4.3, never a 550; local mail still goes."""
    dns.pause()
    try:
        got, _ = session(mta.port, '127.0.0.11', [REMOTE, LOCAL])
    finally:
        dns.resume()
    if got[0][0] != 451 or '4.4.3' not in got[0][1] or got[1][0] != 250:
        raise AssertionError('%s: DNS timeout: got %r\n%s' % (mta.name, got, mta.log()[-3000:]))
    log('ok: %s: DNS timeout gives 451 4.4.3' % mta.name)
    return [('dns timeout', REMOTE, got[0][0], '4.4.3'), ('dns timeout', LOCAL, got[1][0], '')]


def run_mta(kind, dns, ipv6):
    with relay_milter(dns) as milter, Sink() as sink:
        cls = Sendmail if kind == 'sendmail' else Postfix
        with cls(sink.port, milters=[milter.spec()], ipv6=ipv6) as mta:
            decisions = run_cases(mta, sink, CASES)
            if ipv6:
                decisions += run_cases(mta, sink, [
                    ('IPv6 ::1 without PTR, address entry relays', '::1',
                     [(REMOTE, 250, None)])], host='::1')
            decisions += dns_timeout_case(mta, dns)
        if 'fcrdns=FORGED client=[127.0.0.7] names="ggl.home.example.net"' not in milter.log():
            raise AssertionError('milter log lacks the FORGED line:\n' + milter.log())
    return decisions


def test():
    require_sendmail()
    require_postfix()
    ipv6 = have_ipv6()
    with TestDNS() as dns:
        records(dns)
        dns.start()
        sm = run_mta('sendmail', dns, ipv6)
        pf = run_mta('postfix', dns, ipv6)
    if sm != pf:
        raise AssertionError('decisions differ:\nsendmail %r\npostfix  %r' % (sm, pf))
    log('identical decisions on sendmail and postfix: %d' % len(sm))


run_test(test)
