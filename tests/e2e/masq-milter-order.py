"""masq-milter-order.py - does a LATER milter see an EARLIER milter's edits?

DESIGN.md asks for this fact on both MTAs: milterkit-masq runs before the
DKIM signer, and the signer must sign what is delivered.  Two milters are
chained, each behind a MilterTap that records the milter protocol:

  1. milterkit-masq, as = "example.net" (the site's masquerading);
  2. a second milterkit-masq, as = "other.example", trusted_only = false,
     for the same domains: a stand-in for any later milter.

The tap in front of the second milter shows which From header value and
which envelope sender it was given.  If it sees the first milter's result
(john@example.net, not a domain it masquerades) it changes nothing; if it
sees the original (john@pc1.home.example.net) it rewrites it again, to
other.example, over the first milter's edit.  The observed behaviour of each
MTA is asserted (EXPECTED below), so the test fails if it ever changes, and
is printed.
"""

import os

from mktest import Skip, log, run_test, smtp_send
from mktest.miltertap import MilterTap
from mktest.mta import (Postfix, Sendmail, masq_milter, on_both_mtas, require_postfix,
                        require_sendmail)
from mktest.sink import Sink

ORIG_FROM = ' "Doe, J." <john@pc1.home.example.net>'
FIRST_FROM = ' "Doe, J." <john@example.net>'
ORIG_ENV = 'john@pc1.home.example.net'

# What each MTA does, as observed: the From value the SECOND milter was
# given (header callback), the envelope sender it was given (MAIL
# callback), what it changed, and what is delivered.  The same on both:
#  - header edits of an earlier milter ARE seen by a later one (sendmail
#    runs headers, body and end-of-message milter by milter, applying each
#    one's changes before the next; Postfix's cleanup does the same), so
#    the second milter finds nothing to change in From;
#  - the envelope sender a later milter is given at MAIL is the ORIGINAL
#    one (smfi_chgfrom only happens at end of message, after every MAIL
#    callback), so it masquerades that again and its smfi_chgfrom, the
#    last one, wins over the first milter's.
SAME = {
    'first milter saw From': [ORIG_FROM],
    'second milter saw From': [FIRST_FROM],
    'second milter saw MAIL FROM': ['<' + ORIG_ENV + '>'],
    'second milter changed': ['chgfrom'],
    'delivered From': [FIRST_FROM],
    'delivered envelope sender': 'john@other.example',
}
EXPECTED = {'sendmail': SAME, 'postfix': SAME}


def e2e_enabled():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')
    require_sendmail()
    require_postfix()


def message(kind):
    return ('From:' + ORIG_FROM + '\r\n'
            'To: someone@example.com\r\n'
            'Subject: milter order on %s\r\n'
            'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
            'Message-ID: <order-%s@e2e.example.net>\r\n'
            '\r\nbody\r\n' % (kind, kind))


def observe(kind):
    """Run the chain on KIND; return the facts as a dict."""
    first = masq_milter(masq_extra='entire_domain = true; envelope = true;')
    second = masq_milter(as_domain='other.example',
                         masq_extra='entire_domain = true; envelope = true; '
                                    'trusted_only = false;')
    with first, second, MilterTap(first.port) as tap1, \
            MilterTap(second.port) as tap2, Sink() as sink:
        specs = [tap1.spec('masq1'), tap2.spec('masq2')]
        cls = Sendmail if kind == 'sendmail' else Postfix
        with cls(sink.port, milters=specs) as mta:
            smtp_send(mta.port, ORIG_ENV, ['someone@example.com'],
                      message(kind))
            try:
                msg = sink.wait(1, timeout=30)[0]
            except BaseException:
                log('--- %s log ---\n%s' % (kind, mta.log()[-4000:]))
                raise
        convo = '\n--- tap 1 ---\n%s\n--- tap 2 ---\n%s' % (tap1.text(),
                                                           tap2.text())
        # The first milter changed From and the envelope sender.
        mods1 = [(e.name, e.strings()) for e in tap1.modifications()]
        assert ('chgheader' in [m[0] for m in mods1] and
                'chgfrom' in [m[0] for m in mods1]), mods1
        # Exact values (the milters negotiate SMFIP_HDR_LEADSPC: the
        # leading space is part of what they are given).
        seen_from = [v for n, v in tap2.headers() if n.lower() == 'from']
        seen_env = [e.strings()[0] for e in tap2.events('M')]
        mods2 = [e.name for e in tap2.modifications()]
        facts = {
            'first milter saw From': [v for n, v in tap1.headers()
                                      if n.lower() == 'from'],
            'second milter saw From': seen_from,
            'second milter saw MAIL FROM': seen_env,
            'second milter changed': sorted(set(mods2)),
            'delivered From': [v.decode() for v in msg.header('From')],
            'delivered envelope sender': msg.mail_from,
        }
        return facts, convo


def test():
    e2e_enabled()
    masq_milter().stop()    # Skip when milterkit-masq is not built
    failed = []
    for kind, (facts, convo) in on_both_mtas(observe).items():
        log('%s: %s' % (kind, '\n  '.join('%s: %r' % kv
                                           for kv in facts.items())))
        if facts != EXPECTED[kind]:
            log('%s: NOT as expected:\n  expected %r%s'
                % (kind, EXPECTED[kind], convo))
            failed.append(kind)
    assert not failed, 'milter order behaviour changed on %s' % failed


run_test(test)
