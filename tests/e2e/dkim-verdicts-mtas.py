"""dkim-verdicts-mtas.py - the DKIM verdicts of milterkit-dkim(8) are the
same behind real sendmail 8.17 and Postfix 3.7 (issue 10 finding 5).

The corpus of mktest.dkimtest.verdict_corpus() (rsa-sha1, t=y passing and
failing, an unknown q=, a tag twice in the signature and in the key
record, l= with and without an unsigned tail, key RRsets of 2 and of 11
records over 8 KB) comes from outside (127.0.0.9) through each MTA to the
sink; keys are in unbound on loopback, read through lib/dns.  The
Authentication-Results field the sink receives (checked against RFC 8601)
must give, on both MTAs, the expected result and reason for every message:
the two MTAs hand milters the same message, and the verdict depends on
nothing else.
"""

import os

from mktest import Skip, check, log, need_program, run_test, smtp_send
from mktest.mta import (Postfix, Sendmail, milterkit_milter, on_both_mtas, require_postfix,
                        require_sendmail)
from mktest.sink import Sink

from mktest import dkimtest as dc


def dkim_milter(dns):
    return milterkit_milter('dkim', lambda m: (
        'site: { domain = "example.net"; hostname = "mail.example.net";\n'
        '  authserv_id = "mail.example.net";\n'
        '  internal_networks = ["127.0.0.1/32", "::1/128"]; user = "nobody";\n'
        '  dns = { servers = ["%s"]; timeout = 5; }; };\n'
        'dkim: { socket = "%s"; };\n' % (dns.server, m.socket)))


def run(kind, corpus, dns):
    with dkim_milter(dns) as dkimd, Sink() as sink:
        cls = Sendmail if kind == 'sendmail' else Postfix
        with cls(sink.port, milters=[dkimd.spec()]) as mta:
            for i, (label, raw, _, _) in enumerate(corpus):   # the sender tells them apart
                smtp_send(mta.port, 'v%d@example.org' % i, ['john@example.net'], raw,
                          source='127.0.0.9')
            msgs = sink.wait(len(corpus), timeout=90, show={kind: mta, 'dkim': dkimd})
        got = {}
        for msg in msgs:
            i = int(msg.mail_from.split('@')[0][1:])
            ours = dc.ours(msg.header('Authentication-Results'))
            check(len(ours) == 1, '%s #%d: one A-R of ours' % (kind, i), ours)
            got[i] = dc.ar_results(ours[0])
        return got


def test():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')
    require_sendmail()
    require_postfix()
    need_program('/usr/sbin/unbound')
    from mktest.testdns import TestDNS
    with dc.Keys() as keys, TestDNS(ipv6=False) as dns:
        dc.verdict_keys(keys, dns)
        dns.start()
        corpus = dc.verdict_corpus(keys)
        results = on_both_mtas(run, corpus, dns)
        for i, (label, _, want, reason) in enumerate(corpus):
            per_mta = {k: results[k].get(i) for k in ('sendmail', 'postfix')}
            check(per_mta['sendmail'] == per_mta['postfix'],
                  '%s: same verdict on both MTAs' % label, per_mta)
            (got, props), = per_mta['postfix']
            check(got == want and ((reason is None and 'reason' not in props) or
                                   (reason and reason in props.get('reason', ''))),
                  '%s: %s (%s)' % (label, want, reason), props)
        log('%d verdicts, the same on sendmail and Postfix' % len(corpus))
    print('verdict e2e checks passed: %d' % len(corpus))


run_test(test)
