"""mktest.passthrough - the milter pass-through check, for both MTAs.

Used by sendmail-milter-passthrough.py and postfix-milter-passthrough.py:
test DNS + sink + milterkit-masq (behind a MilterTap) + the real MTA; one
message from an outside sender (nothing to masquerade) goes through, and the
delivered copy must be the one sent: every header byte for byte in order
(only the MTA's Received: added), the body byte for byte, the envelope
unchanged.  The milter must have been called: the MTA's own log says so, the
tap saw the conversation, and the milter answered it without changing
anything.
"""

import os
import re

from . import log, smtp_send, wait_for
from .miltertap import MilterTap
from .mta import Postfix, Sendmail, masq_milter, require_postfix, \
    require_sendmail
from .sink import Sink
from .testdns import TestDNS

SENDER = 'alice@example.org'
RCPT = 'bob@example.com'


def message(tag):
    head = [
        b'From: "Example, Alice" <alice@example.org> (outside)',
        b'To: Bob <bob@example.com>',
        b'Subject: e2e pass-through ' + tag.encode(),
        b'Date: Mon, 23 Nov 2026 10:00:00 +0000',
        b'Message-ID: <' + tag.encode() + b'@example.org>',
        b'MIME-Version: 1.0',
        b'Content-Type: text/plain; charset=us-ascii',
        b'X-Folded: first part,\r\n\tsecond part after a tab,\r\n  third',
        b'X-Spaces:   three leading spaces',
    ]
    body = (b'line 1\r\n'
            b'.a line starting with a dot\r\n'
            b'  indented, trailing spaces   \r\n'
            b'\r\n'
            b'last line\r\n')
    return b'\r\n'.join(head) + b'\r\n\r\n' + body, head, body


def check_delivered(msg, head, body, kind):
    assert msg.mail_from == SENDER, 'envelope sender %r' % msg.mail_from
    assert msg.rcpt_tos == [RCPT], 'envelope recipients %r' % msg.rcpt_tos
    got = msg.data.split(b'\r\n\r\n', 1)
    assert len(got) == 2, 'no header/body separator in %r' % msg.data[:200]
    lines = got[0].split(b'\r\n')
    # Drop the Received: header(s) the MTA put on top (with continuations).
    while lines and lines[0].lower().startswith(b'received:'):
        lines.pop(0)
        while lines and lines[0][:1] in (b' ', b'\t'):
            lines.pop(0)
    sent = b'\r\n'.join(head).split(b'\r\n')
    assert lines == sent, ('%s changed the header block:\nsent:\n%s\ngot:\n%s'
                           % (kind, b'\n'.join(sent).decode(),
                              b'\n'.join(lines).decode()))
    assert got[1] == body, 'body changed:\nsent %r\ngot  %r' % (body, got[1])


def check_tap(tap):
    convo = '\n' + tap.text()
    assert tap.events('O', side='milter'), 'milter never negotiated' + convo
    assert tap.events('O', side='mta'), 'MTA never negotiated' + convo
    mails = [e for e in tap.events('M') if SENDER in e.strings()[0]]
    hdrs = [v for n, v in tap.headers() if n.lower() == 'from']
    assert mails or any(SENDER in v for v in hdrs), \
        'the milter saw neither the sender nor the From header' + convo
    # What the milter decided at the end of the message.
    decisions = [e for e in tap.replies() if e.cmd in 'acdrty']
    assert decisions, 'no decision from the milter' + convo
    assert all(e.cmd in 'ac' for e in decisions), \
        'the milter refused: %r' % decisions + convo
    assert not tap.modifications(), \
        'the milter changed something: %r' % tap.modifications() + convo


def passthrough(kind):
    require_sendmail() if kind == 'sendmail' else require_postfix()
    tag = 'e2e-passthrough-%s-%d' % (kind, os.getpid())
    data, head, body = message(tag)
    with masq_milter() as milter, TestDNS() as dns, Sink() as sink, \
            MilterTap(milter.port) as tap:
        dns.a('mail.example.net', '127.0.0.1').ptr('127.0.0.1',
                                                   'mail.example.net')
        dns.start()
        spec = tap.spec('milterkit-masq')
        if kind == 'sendmail':
            mta = Sendmail(sink.port, milters=[spec])
        else:
            # Verbose smtpd for our client: logs the milter8 conversation.
            mta = Postfix(sink.port, milters=[spec],
                          main_cf={'debug_peer_list': '127.0.0.1'})
        with mta:
            refused = smtp_send(mta.port, SENDER, [RCPT], data)
            assert not refused, refused
            try:
                msgs = sink.wait(1, timeout=30)
                check_delivered(msgs[0], head, body, kind)
                check_mta_log(mta, kind, msgs[0])
                check_tap(tap)
                check_milter_log(milter)
                assert len(sink.messages) == 1, sink.messages
                if kind == 'postfix':
                    problems = mta.check()
                    assert not problems, 'postfix check:\n' + \
                        '\n'.join(problems)
            except BaseException:
                log('--- %s log ---\n%s' % (kind, mta.log()[-6000:]))
                log('--- milter log ---\n%s' % milter.log()[-3000:])
                raise


def check_mta_log(mta, kind, msg):
    rx = re.compile(rb'\bid ([0-9A-Za-z]+)')
    m = rx.search(b''.join(msg.header('Received')))
    assert m, 'no queue id in Received: %r' % msg.header('Received')
    qid = m.group(1).decode()
    if kind == 'sendmail':
        pat = r'%s: milter=milterkit-masq, action=mail, continue' % qid
        alt = r'%s: Milter accept: message' % qid
        wait_for(lambda: re.search(pat, mta.log()) or
                 re.search(alt, mta.log()), 10,
                 what='sendmail log lines of milter milterkit-masq for ' + qid)
        assert 'Milter (milterkit-masq): init success to negotiate' in \
            mta.log()
    else:
        mta.wait_log(r'milter8_mail_event: milter inet:127\.0\.0\.1:\d+: '
                     r'mail <%s>' % re.escape(SENDER))
        mta.wait_log(r'%s: to=<%s>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d, '
                     r'.*status=sent' % (qid, re.escape(RCPT), mta.sink_port))
    log('%s log shows the milter called for queue id %s' % (kind, qid))


def check_milter_log(milter):
    text = milter.log()
    assert 'listening on ' + milter.socket in text, \
        'milter log lacks its listening line:\n' + text
    bad = [l for l in text.splitlines()
           if re.search(r'\b(error|crit|alert|emerg|fatal)\b', l)]
    assert not bad, 'milter logged errors:\n' + '\n'.join(bad)
    log('milter log:\n' + text.rstrip())
