"""masq-postfix.py - milterkit-masq on Postfix: trusted origin decides.

milterkit-masq's site.internal_networks is narrowed to 127.0.0.1/32, so:
  - a message from 127.0.0.1 (an internal client) comes out masqueraded in
    its headers and its envelope sender;
  - the same message from 127.0.0.7 (an outside client, though Postfix lets
    it relay: mynetworks is 127.0.0.0/8) comes out untouched: every header
    byte for byte (only Postfix's Received: added), the envelope as sent;
  - the same message from 127.0.0.7 after SMTP AUTH (Cyrus SASL, sasldb,
    PLAIN) is of trusted origin again, and comes out masqueraded.
A MilterTap between Postfix and the milter proves the milter was asked
about every message and changed the envelope of the trusted ones only.
"""

import os
import pwd
import subprocess

from mktest import Skip, Workdir, log, run_test, smtp_connect
from mktest.miltertap import MilterTap
from mktest.mta import Postfix, masq_milter, require_postfix
from mktest.sink import Sink

INSIDE = '127.0.0.1'
OUTSIDE = '127.0.0.7'
SENDER = 'john@pc1.home.example.net'
RCPT = 'someone@example.com'
LOGIN, PASSWORD = 'john@example.net', 'e2e-secret'

HEAD = [
    b'From: "Doe, J." <john@pc1.home.example.net> (home), '
    b'root@pc1.home.example.net',
    b'Sender: john@pc1.home.example.net',
    b'Reply-To: "Folded"\r\n\t<john@pc2.home.example.net>',
    b'To: jane@pc2.home.example.net',
    b'Date: Mon, 23 Nov 2026 10:00:00 +0000',
]
MASQUERADED = {
    'From': [b' "Doe, J." <john@example.net> (home), '
             b'root@pc1.home.example.net'],
    'Sender': [b' john@example.net'],
    'Reply-To': [b' "Folded"\r\n\t<john@example.net>'],
    'To': [b' jane@pc2.home.example.net'],     # recipients = false
}


def e2e_enabled():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')
    require_postfix()


def message(tag):
    head = HEAD + [b'Subject: ' + tag.encode(),
                   b'Message-ID: <' + tag.encode() + b'@e2e.example.net>']
    return b'\r\n'.join(head) + b'\r\n\r\nbody\r\n', head


def milter():
    """milterkit-masq whose internal network is 127.0.0.1 only."""
    m = masq_milter(masq_extra='entire_domain = true; envelope = true; '
                               'exposed_users = ["root"];')
    conf = m.argv[3]
    with open(conf) as f:
        text = f.read()
    old = 'internal_networks = ["127.0.0.0/8", "::1/128"];'
    assert old in text, 'masq_milter() config changed:\n' + text
    with open(conf, 'w') as f:
        f.write(text.replace(old, 'internal_networks = ["127.0.0.1/32"];'))
    return m


def sasl_settings(work):
    """main.cf settings for Cyrus SASL with a private sasldb (PLAIN), or
    None when saslpasswd2 is missing.  enable_sasl() writes smtpd.conf."""
    if not os.access('/usr/sbin/saslpasswd2', os.X_OK):
        return None
    db = os.path.join(work.path, 'sasldb2')
    r = subprocess.run(['/usr/sbin/saslpasswd2', '-p', '-c', '-f', db,
                        '-u', 'example.net', 'john'],
                       input=PASSWORD.encode(), capture_output=True)
    if r.returncode != 0:
        raise RuntimeError('saslpasswd2: %s' % r.stderr.decode())
    nobody = pwd.getpwnam('nobody')
    os.chown(db, nobody.pw_uid, nobody.pw_gid)
    os.chmod(db, 0o600)
    work.file('smtpd.conf', 'pwcheck_method: auxprop\n'
              'auxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\n'
              'sasldb_path: %s\n' % db)
    return {'smtpd_sasl_auth_enable': 'yes', 'smtpd_sasl_type': 'cyrus',
            'smtpd_sasl_path': 'smtpd',
            'smtpd_sasl_security_options': 'noanonymous',
            'smtpd_sasl_local_domain': ''}


def enable_sasl(mta, work):
    """Debian's Postfix reads Cyrus SASL's smtpd.conf from
    $config_directory/sasl (whatever cyrus_sasl_config_path says), which
    exists only once the MTA started: put it there and reload, so that
    smtpd processes started from now on read it."""
    os.makedirs(os.path.join(mta.config_dir, 'sasl'), exist_ok=True)
    with open(os.path.join(work.path, 'smtpd.conf')) as f:
        text = f.read()
    with open(os.path.join(mta.config_dir, 'sasl', 'smtpd.conf'), 'w') as f:
        f.write(text)
    r = mta.postfix('reload')
    assert r.returncode == 0, r.stdout
    mta.wait_log(r'postfix/master\[\d+\]: reload ')


def send(port, source, tag, auth=False):
    data, head = message(tag)
    s = smtp_connect(port, source=source)
    try:
        if auth:
            s.login(LOGIN, PASSWORD)
        refused = s.sendmail(SENDER, [RCPT], data)
        assert not refused, refused
    finally:
        s.quit()
    return head


def headers_without_received(msg):
    lines = msg.data.split(b'\r\n\r\n', 1)[0].split(b'\r\n')
    while lines and lines[0].lower().startswith(b'received:'):
        lines.pop(0)
        while lines and lines[0][:1] in (b' ', b'\t'):
            lines.pop(0)
    return lines


def check_masqueraded(msg, what):
    assert msg.mail_from == 'john@example.net', (what, msg.mail_from)
    assert msg.rcpt_tos == [RCPT], (what, msg.rcpt_tos)
    for name, want in MASQUERADED.items():
        got = msg.header(name)
        assert got == want, '%s: %s: %r, want %r' % (what, name, got, want)


def check_untouched(msg, head, what):
    assert msg.mail_from == SENDER, (what, msg.mail_from)
    assert msg.rcpt_tos == [RCPT], (what, msg.rcpt_tos)
    got = headers_without_received(msg)
    sent = b'\r\n'.join(head).split(b'\r\n')
    assert got == sent, '%s: headers changed:\nsent %r\ngot  %r' % (
        what, sent, got)


def test():
    e2e_enabled()
    tag = 'masq-postfix-%d' % os.getpid()
    with Workdir(prefix='milterkit-masqpf-') as work, milter() as m, \
            MilterTap(m.port) as tap, Sink() as sink:
        sasl = sasl_settings(work)
        if sasl is None:
            log('NOTE: no saslpasswd2 (sasl2-bin): the AUTH case is skipped')
        with Postfix(sink.port, milters=[tap.spec('milterkit-masq')],
                     main_cf=sasl or {}) as mta:
            try:
                if sasl:
                    enable_sasl(mta, work)
                sent = {'inside': send(mta.port, INSIDE, tag + '-inside'),
                        'outside': send(mta.port, OUTSIDE, tag + '-outside')}
                if sasl:
                    sent['auth'] = send(mta.port, OUTSIDE, tag + '-auth',
                                        auth=True)
                msgs = sink.wait(len(sent), timeout=30)
                by = {}
                for msg in msgs:
                    subj = msg.header('Subject')[0].decode().strip()
                    by[subj.rsplit('-', 1)[1]] = msg
                assert sorted(by) == sorted(sent), sorted(by)
                check_masqueraded(by['inside'], 'internal client')
                log('internal client %s: masqueraded' % INSIDE)
                check_untouched(by['outside'], sent['outside'],
                                'outside client')
                log('outside client %s: untouched' % OUTSIDE)
                if sasl:
                    check_masqueraded(by['auth'], 'authenticated client')
                    mta.wait_log(r'client=\S+\[%s\], sasl_method=PLAIN, '
                                 r'sasl_username=%s' % (
                                     OUTSIDE.replace('.', r'\.'), LOGIN))
                    log('authenticated client %s: masqueraded' % OUTSIDE)
                # The milter was asked about every message, and changed the
                # envelope of the trusted ones only.
                mails = [e.strings()[0] for e in tap.events('M')]
                assert mails == ['<%s>' % SENDER] * len(sent), mails
                chg = [e.strings() for e in tap.modifications()
                       if e.name == 'chgfrom']
                assert [c[0] for c in chg] == ['<john@example.net>'] * (
                    len(sent) - 1), chg
                mlog = m.log()
                assert mlog.count('masq=envelope') == len(sent) - 1, \
                    'milter log:\n' + mlog
            except BaseException:
                log('--- postfix log ---\n%s' % mta.log()[-5000:])
                log('--- milter log ---\n%s' % m.log()[-3000:])
                raise


run_test(test)
