"""dkim-spf-dmarc-mtas.py - SPF, DKIM and DMARC of inbound mail in one
Authentication-Results field, the same behind real sendmail 8.17 and
Postfix 3.7 (issue 12, "Done when").

An outside client (127.0.0.9, HELO client.example.org) sends, through each
MTA with milterkit-dkim attached, one message per row below; SPF records,
DMARC records and the DKIM key are in unbound on loopback (lib/dns).  The
sink must receive each with exactly one A-R of ours (checked against RFC
8601 by mktest.authres) holding spf=, dkim= and dmarc= with the expected
results, and the field must be byte for byte the same on both MTAs (the
MTAs hand the milter the same HELO, MAIL FROM, headers and body).

  case                    MAIL FROM            From            spf   dkim  dmarc
  all pass                v@example.org        example.org     pass  pass  pass
  all fail                v@fail.example       example.org     fail  fail  fail  (p=reject)
  SPF only                v@example.org        example.org     pass  fail  pass
  DKIM only               v@fail.example       example.org     fail  pass  pass
  no DMARC record         v@example.org        none.example    pass  none  none
  null sender             <>                   example.org     pass* pass  pass  (*HELO)

Then with dkim.dmarc.on_policy_reject = "reject": the "all fail" message is
refused with 550 5.7.1 naming example.org on both MTAs, while the same
message from the MTA's own host (127.0.0.1, site.internal_networks: trusted)
and from a trusted relay (127.0.0.10, dkim.trusted_relays) is delivered.
"""

import os
import smtplib

from mktest import Skip, check, log, need_program, run_test, smtp_send
from mktest import authres
from mktest.mta import (Postfix, Sendmail, milterkit_milter, on_both_mtas, require_postfix,
                        require_sendmail)
from mktest.sink import Sink

from mktest import dkimtest as dc

CLIENT = '127.0.0.9'
HELO = 'client.example.org'
PASS_SPF = 'v=spf1 ip4:127.0.0.9 -all'


def zone(dns, keys):
    keys.make('example.org', 'k', 'rsa')
    dns.txt('k._domainkey.example.org', keys.keys[('example.org', 'k')][2])
    dns.txt(HELO, PASS_SPF)
    dns.txt('example.org', PASS_SPF)
    dns.txt('_dmarc.example.org', 'v=DMARC1; p=reject')
    dns.txt('fail.example', 'v=spf1 -all')


def corpus(keys):
    """[(label, mail_from, raw, {method: result})]; the Subject tells the
    messages apart at the sink."""
    def signed(n, tamper=False):
        raw = dc.dkimpy_signed(keys, 'k', body=b'Case %d.\r\nBye.\r\n' % n)
        return raw.replace(b'Bye.', b'Bye!') if tamper else raw

    def plain(n, dom):
        return dc.message(from_addr='a@%s' % dom, subject='case %d' % n,
                          body='Case %d.\r\n' % n)

    return [
        ('all pass', 'v@example.org', signed(0), {'spf': 'pass', 'dkim': 'pass', 'dmarc': 'pass'}),
        ('all fail', 'v@fail.example', signed(1, True),
         {'spf': 'fail', 'dkim': 'fail', 'dmarc': 'fail'}),
        ('SPF only', 'v@example.org', signed(2, True),
         {'spf': 'pass', 'dkim': 'fail', 'dmarc': 'pass'}),
        ('DKIM only', 'v@fail.example', signed(3), {'spf': 'fail', 'dkim': 'pass', 'dmarc': 'pass'}),
        ('no DMARC record', 'v@example.org', plain(4, 'none.example'),
         {'spf': 'pass', 'dkim': 'none', 'dmarc': 'none'}),
        ('null sender', '', signed(5), {'spf': 'pass', 'dkim': 'pass', 'dmarc': 'pass'}),
    ]


def dkim_milter(dns, extra=''):
    return milterkit_milter('dkim', lambda m: (
        'site: { domain = "example.net"; hostname = "mail.example.net";\n'
        '  authserv_id = "mail.example.net";\n'
        '  internal_networks = ["127.0.0.1/32", "::1/128"]; user = "nobody";\n'
        '  dns = { servers = ["%s"]; timeout = 5; }; };\n'
        'dkim: { socket = "%s"; %s };\n' % (dns.server, m.socket, extra)))


def case_of(msg):
    body = msg.body()
    return int(body.split(b'Case ')[1].split(b'.')[0])


def annotate(kind, cases, dns):
    """{case index: the A-R value of ours} as the sink received them."""
    with dkim_milter(dns) as dkimd, Sink() as sink:
        cls = Sendmail if kind == 'sendmail' else Postfix
        with cls(sink.port, milters=[dkimd.spec()]) as mta:
            for label, mail_from, raw, _ in cases:
                smtp_send(mta.port, mail_from, ['john@example.net'], raw, source=CLIENT,
                          helo=HELO)
            msgs = sink.wait(len(cases), timeout=90, show={kind: mta, 'dkim': dkimd})
        got = {}
        for msg in msgs:
            ours = dc.ours(msg.header('Authentication-Results'))
            check(len(ours) == 1, '%s: one A-R of ours' % kind, ours)
            got[case_of(msg)] = ours[0].replace('\r\n', '\n')
        return got


def enforce(kind, raw, dns):
    """The failing message with the action on: refused from outside,
    delivered from the MTA's own host and from a trusted relay."""
    extra = ('trusted_relays = ["127.0.0.10/32"];\n'
             '  dmarc = { on_policy_reject = "reject"; };')
    with dkim_milter(dns, extra) as dkimd, Sink() as sink:
        cls = Sendmail if kind == 'sendmail' else Postfix
        with cls(sink.port, milters=[dkimd.spec()]) as mta:
            refused = None
            try:
                smtp_send(mta.port, 'v@fail.example', ['john@example.net'], raw,
                          source=CLIENT, helo=HELO)
            except smtplib.SMTPDataError as e:
                refused = (e.smtp_code, e.smtp_error.decode('utf-8', 'replace'))
            for source in ('127.0.0.1', '127.0.0.10'):
                smtp_send(mta.port, 'v@fail.example', ['john@example.net'], raw,
                          source=source, helo=HELO)
            msgs = sink.wait(2, timeout=90)
        return refused, len(msgs), dkimd.log()


def test():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')
    require_sendmail()
    require_postfix()
    need_program('/usr/sbin/unbound')
    from mktest.testdns import TestDNS
    with dc.Keys() as keys, TestDNS(ipv6=False) as dns:
        zone(dns, keys)
        dns.start()
        cases = corpus(keys)
        got = on_both_mtas(annotate, cases, dns)
        for i, (label, mail_from, _, want) in enumerate(cases):
            per_mta = {k: got[k].get(i) for k in ('sendmail', 'postfix')}
            check(per_mta['sendmail'] == per_mta['postfix'],
                  '%s: the same A-R on both MTAs' % label, per_mta)
            pl = authres.parse(per_mta['postfix'])
            results = {m: [r.result for r in pl.of(m)] for m in ('spf', 'dkim', 'dmarc')}
            check(results['dkim'] == [want['dkim']] and results['dmarc'] == [want['dmarc']],
                  '%s: dkim=%s dmarc=%s' % (label, want['dkim'], want['dmarc']), results)
            spf = pl.of('spf')
            if mail_from:
                check([(r.result, r.props[0][1]) for r in spf] ==
                      [(want['spf'], 'mailfrom'), ('pass', 'helo')],
                      '%s: spf=%s smtp.mailfrom, spf=pass smtp.helo' % (label, want['spf']),
                      spf)
            else:
                check([(r.result, r.props[0][1], r.props[0][2]) for r in spf] ==
                      [('pass', 'helo', HELO)], '%s: the HELO identity alone' % label, spf)
            log('%-16s %s' % (label, per_mta['postfix'].replace('\n\t', ' ')))
        raw = cases[1][2]
        res = on_both_mtas(enforce, raw, dns)
        for kind in ('sendmail', 'postfix'):
            refused, delivered, dlog = res[kind]
            check(refused is not None and refused[0] == 550 and '5.7.1' in refused[1] and
                  'example.org' in refused[1],
                  '%s: the p=reject failure refused with 550 5.7.1 naming the domain'
                  % kind, refused, dlog[-2000:])
            check(delivered == 2, '%s: trusted host and trusted relay delivered' % kind,
                  delivered, dlog[-2000:])
            log('%s: %d %s' % (kind, refused[0], refused[1]))
    print('spf/dkim/dmarc e2e checks passed: %d cases on both MTAs, enforcement on both'
          % len(cases))


run_test(test)
