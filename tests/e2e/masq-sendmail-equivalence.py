"""masq-sendmail-equivalence.py - milterkit-masq masquerades as sendmail does.

The same messages go (a) through real sendmail 8.17 configured with its own
masquerading (MASQUERADE_AS, MASQUERADE_DOMAIN, masquerade_entire_domain,
masquerade_envelope, EXPOSED_USER, MASQUERADE_EXCEPTION, genericstable with
a makemap'd table, and allmasquerade in the second configuration) and no
milter, and (b) through sendmail and Postfix (twice: myorigin = $mydomain
and = $myhostname) with milterkit-masq configured the same way and the
MTA's own masquerading off.  The headers and the
envelope delivered to the sink must be equal, except for the short list of
known differences in DIFFERENCES below, each of which must still happen (so
the list cannot go stale) and is printed with its reason.

sendmail masquerades at delivery, per mailer: the harness relays everything
to the sink through SMART_HOST, i.e. the relay mailer (S=EnvFromSMTP/
HdrFromSMTP, R=MasqSMTP, or MasqSMTP/MasqRelay with allmasquerade).  The
relay mailer also qualifies unqualified header addresses with $j whether or
not masquerading is configured, which is why milterkit-masq runs here with
always_add_domain = true (its documented sendmail-equivalent setting).

  native sendmail (.mc)                        milterkit-masq (masq section)
  MASQUERADE_AS(`example.net')                 as = "example.net"
  MASQUERADE_DOMAIN(`home.example.net')        domains = ["home.example.net"]
  FEATURE(`masquerade_entire_domain')          entire_domain = true
  FEATURE(`masquerade_envelope')               envelope = true
  FEATURE(`allmasquerade') (2nd configuration) recipients = true
  EXPOSED_USER(`root')                         exposed_users = ["root"]
  MASQUERADE_EXCEPTION(`dmz.home.example.net') exceptions = [...]
  FEATURE(`genericstable', `hash -o FILE')     generics = "TEXT FILE"
  GENERICS_DOMAIN(`pc9.home.example.net')      generics_domains = [...]
  (the relay mailer's own qualification)       always_add_domain = true
  confDOMAIN_NAME mail.example.net ($j, =w)    site.hostname

Without makemap in the unpacked sendmail the genericstable case is left out
of the comparison (a NOTE says so).
"""

import os
import subprocess

from mktest import Skip, Workdir, in_threads, log, run_test, smtp_connect
from mktest.mta import (Postfix, Sendmail, masq_milter, require_postfix,
                 require_sendmail, sendmail_root)
from mktest.sink import Sink

RCPT = 'someone@example.com'

# (name, envelope sender, header lines before Subject/Date/Message-ID)
CASES = [
    ('acceptance', 'john@pc1.home.example.net', [
        b'From: "Doe, J." <john@pc1.home.example.net> (home), '
        b'root@pc1.home.example.net',
        b'To: someone@example.com']),
    ('bare-user', 'joe@pc1.home.example.net', [
        b'From: joe', b'Sender: root', b'To: kim, someone@example.com']),
    ('entire-domain', 'ann@pc2.lab.home.example.net', [
        b'From: Ann <ann@pc2.lab.home.example.net>',
        b'Sender: ann@home.example.net',
        b'Reply-To: eve@evilhome.example.net',
        b'To: someone@example.com']),
    ('exception', 'srv@web.dmz.home.example.net', [
        b'From: srv@dmz.home.example.net',
        b'Reply-To: root@web.dmz.home.example.net',
        b'To: someone@example.com']),
    ('exposed-user', 'root@pc1.home.example.net', [
        b'From: root@pc1.home.example.net',
        b'Sender: ROOT@pc2.home.example.net',
        b'To: someone@example.com']),
    ('sender-headers', 'list@pc1.home.example.net', [
        b'From: a@example.org',
        b'Reply-To: "R" <r@pc1.home.example.net>',
        b'Sender: s@pc2.home.example.net',
        b'Resent-From: rf@pc3.home.example.net',
        b'Errors-To: e@pc1.home.example.net',
        b'To: someone@example.com']),
    ('recipient-headers', 'x@pc1.home.example.net', [
        b'From: x@pc1.home.example.net',
        b'To: jane@pc2.home.example.net, "Bob" <bob@home.example.net>',
        b'Cc: c@pc3.home.example.net (cc)',
        b'Bcc: hidden@pc4.home.example.net']),
    ('group', 'g@pc1.home.example.net', [
        b'From: g@pc1.home.example.net',
        b'Reply-To: team: a@pc1.home.example.net, b@example.org;',
        b'To: undisclosed-recipients:;']),
    ('already-masqueraded', 'john@example.net', [
        b'From: "John" <john@example.net>', b'To: someone@example.com']),
    ('folded', 'f@pc3.home.example.net', [
        b'From: "Long Name"\r\n <fold@pc3.home.example.net>,\r\n\t'
        b'"Other" <other@pc4.home.example.net>',
        b'To: someone@example.com']),
    ('generics', 'carol@pc9.home.example.net', [
        b'From: Carol <carol@pc9.home.example.net>',
        b'Reply-To: dave@pc9.home.example.net',
        b'To: someone@example.com']),
    ('local-hostname', 'u@mail.example.net', [
        b'From: u@mail.example.net', b'Sender: v@sub.mail.example.net',
        b'To: someone@example.com']),
    ('source-route', 'r@pc1.home.example.net', [
        b'From: r@pc1.home.example.net',
        b'Reply-To: <@relay.example.org:a@pc1.home.example.net>',
        b'To: someone@example.com']),
    ('encoded-word', 'j@pc1.home.example.net', [
        b'From: =?UTF-8?Q?J=C3=B6rg?= <joerg@pc1.home.example.net> '
        b'(a (nested) comment)',
        b'Reply-To: "Quoted \\"x\\" name" <q@PC2.Home.Example.Net.>',
        b'To: someone@example.com']),
    ('malformed', 'm@pc1.home.example.net', [
        b'From: m@pc1.home.example.net',
        b'Sender: Bad <unbalanced@pc1.home.example.net',
        b'Reply-To: "unterminated <q@pc2.home.example.net>',
        b'To: someone@example.com']),
]

GENERICS = ('carol@pc9.home.example.net\tc.smith@example.net\n'
            'dave\td.jones@example.net\n')

# The two configurations: allmasquerade off and on.
CONFIGS = (('sender-only', False), ('allmasquerade', True))

# The MTAs milterkit-masq runs on: sendmail, Postfix as the harness sets it
# up (myorigin = $mydomain, as milterkit-mc writes it) and Postfix with its
# default myorigin = $myhostname.
PATHS = (('sendmail', Sendmail, {}),
         ('postfix', Postfix, {}),
         ('postfix-myhostname', Postfix,
          {'main_cf': {'myorigin': '$myhostname'}}))

# Headers the MTAs generate themselves, with per-run values (dates, queue
# ids) and, on Postfix, another position: never compared.
GENERATED = ('received', 'resent-date', 'resent-message-id')

# Every known difference between native sendmail (a) and milterkit-masq on
# an MTA (b): (path, configuration or '*', case, header, native value,
# milterkit-masq value, reason).  Values are the raw bytes after the colon.
F_N = ' "Long Name"\r\n <fold@example.net>, "Other" <other@example.net>'
F_P = ' "Long Name"\r\n <fold@example.net>,\r\n\t"Other" <other@example.net>'
DIFFERENCES = [
    ('sendmail', '*', 'malformed', 'Sender',
     ' Bad <unbalanced@example.net>',
     ' Bad <unbalanced@pc1.home.example.net>',
     'a header that does not parse is left untouched; sendmail repairs it '
     '(adds the ">") and masquerades the result'),
    ('sendmail', '*', 'malformed', 'Reply-To',
     ' "unterminated <q@pc2.home.example.net>"@example.net',
     ' "unterminated <q@pc2.home.example.net>"@mail.example.net',
     'a header that does not parse is left untouched; sendmail closes the '
     'quote, takes it all as a local part and masquerades that (the milter '
     'did not, so sendmail only qualifies it with $j)'),
    ('postfix', '*', 'malformed', 'Sender',
     ' Bad <unbalanced@example.net>',
     ' "Bad <unbalanced"@example.net',
     'a header that does not parse is left untouched; Postfix repairs it '
     'in its own way (quotes the local part, appends @$myorigin)'),
    ('postfix', '*', 'bare-user', 'Sender',
     ' root@mail.example.net', ' root@example.net',
     'Postfix appends @$myorigin to unqualified header addresses '
     '(append_at_myorigin, for local_header_rewrite_clients) before the '
     'milters see them, so an unqualified exposed user gets @$myorigin, '
     'not the host name'),
    ('postfix', 'sender-only', 'bare-user', 'To',
     ' kim@mail.example.net, someone@example.com',
     ' kim@example.net, someone@example.com',
     'Postfix appends @$myorigin to unqualified recipient addresses in '
     'headers; sendmail\'s relay mailer appends $j'),
    ('postfix', '*', 'folded', 'From', F_N, F_P,
     'Postfix delivers the folding as milterkit-masq left it (only the '
     'domains changed); sendmail re-folds address headers it sends, '
     'with or without its own masquerading'),
    # With myorigin = $myhostname, Postfix qualifies bare addresses as
    # sendmail does ($j): only the MTA-independent differences remain.
    ('postfix-myhostname', '*', 'malformed', 'Sender',
     ' Bad <unbalanced@example.net>',
     ' "Bad <unbalanced"@example.net',
     'a header that does not parse is left untouched; Postfix repairs it '
     'in its own way (quotes the local part, appends @$myorigin, which '
     'milterkit-masq then masquerades as the host\'s own name)'),
    ('postfix-myhostname', '*', 'folded', 'From', F_N, F_P,
     'Postfix delivers the folding as milterkit-masq left it (only the '
     'domains changed); sendmail re-folds address headers it sends, '
     'with or without its own masquerading'),
]


def e2e_enabled():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')
    require_sendmail()
    require_postfix()


def message(name, lines):
    head = lines + [b'Subject: case ' + name.encode(),
                    b'Date: Mon, 23 Nov 2026 10:00:00 +0000',
                    b'Message-ID: <' + name.encode() + b'@e2e.example.net>']
    return b'\r\n'.join(head) + b'\r\n\r\nbody of ' + name.encode() + b'\r\n'


def makemap_binary():
    p = os.path.join(sendmail_root(), 'usr/libexec/sendmail/makemap')
    return p if os.access(p, os.X_OK) else None


def native_mc(work, allmasq, generics):
    mc = ["MASQUERADE_AS(`example.net')dnl",
          "MASQUERADE_DOMAIN(`home.example.net')dnl",
          "FEATURE(`masquerade_entire_domain')dnl",
          "FEATURE(`masquerade_envelope')dnl",
          "EXPOSED_USER(`root')dnl",
          "MASQUERADE_EXCEPTION(`dmz.home.example.net')dnl"]
    if generics:
        db = os.path.join(work.path, 'genericstable')
        r = subprocess.run([makemap_binary(), '-C', '/dev/null', 'hash', db],
                           input=GENERICS.encode(), capture_output=True)
        if r.returncode != 0:
            raise RuntimeError('makemap: %s' % r.stderr.decode())
        mc += ["FEATURE(`genericstable', `hash -o %s')dnl" % db,
               "GENERICS_DOMAIN(`pc9.home.example.net')dnl"]
    if allmasq:
        mc.append("FEATURE(`allmasquerade')dnl")
    return mc


def milter_for(work, allmasq):
    generics = work.file('generics', GENERICS)
    extra = ('entire_domain = true; envelope = true; '
             'exposed_users = ["root"]; '
             'exceptions = ["dmz.home.example.net"]; '
             'always_add_domain = true; generics = "%s"; '
             'generics_domains = ["pc9.home.example.net"]; recipients = %s;'
             % (generics, 'true' if allmasq else 'false'))
    return masq_milter(masq_extra=extra)


def deliver(mta, sink, cases):
    """Send every case in one SMTP session from 127.0.0.1 (an internal
    client); return {case: Delivered}."""
    s = smtp_connect(mta.port)
    try:
        for name, sender, lines in cases:
            refused = s.sendmail(sender, [RCPT], message(name, lines))
            assert not refused, refused
    finally:
        s.quit()
    msgs = sink.wait(len(cases), timeout=40)
    out = {}
    for m in msgs:
        mid = m.header('Message-ID')[0].decode().strip()
        out[mid[1:].split('@', 1)[0]] = m
    assert sorted(out) == sorted(c[0] for c in cases), sorted(out)
    return out


def view(msg):
    """(envelope, {(header, n): value}) with the generated headers left out."""
    seen = {}
    hdrs = {}
    order = []
    for n, v in msg.headers():
        if n.lower() in GENERATED:
            continue
        key = n.lower()
        seen[key] = seen.get(key, 0) + 1
        hdrs[(n, seen[key])] = v.decode('utf-8', 'replace')
        order.append(n)
    return (msg.mail_from, tuple(msg.rcpt_tos)), hdrs, order


def compare(path, config, native, got, skip_cases):
    """Differences between the native and the milter deliveries:
    [(path, config, case, what, native, got)]."""
    diffs = []
    for case in sorted(native):
        if case in skip_cases:
            continue
        env_n, hdr_n, order_n = view(native[case])
        env_g, hdr_g, order_g = view(got[case])
        if env_n != env_g:
            diffs.append((path, config, case, 'envelope', repr(env_n),
                          repr(env_g)))
        if native[case].body() != got[case].body():
            diffs.append((path, config, case, 'body', native[case].body(),
                          got[case].body()))
        if order_n != order_g:
            diffs.append((path, config, case, 'header order', repr(order_n),
                          repr(order_g)))
        for key in sorted(set(hdr_n) | set(hdr_g)):
            a, b = hdr_n.get(key), hdr_g.get(key)
            if a != b:
                diffs.append((path, config, case, key[0], a, b))
    return diffs


def known(d):
    path, config, case, what, a, b = d
    for k in DIFFERENCES:
        if (k[0], k[2], k[3], k[4], k[5]) == (path, case, what, a, b) and \
                k[1] in ('*', config):
            return k
    return None


def run_config(config, allmasq, generics_native):
    """Deliver every case natively and through the milter on both MTAs;
    return the differences found."""
    diffs = []
    with Workdir(prefix='milterkit-masqeq-') as work:
        with Sink() as sink, Sendmail(
                sink.port, mc_lines=native_mc(work, allmasq,
                                              generics_native)) as mta:
            native = deliver(mta, sink, CASES)
        check_native(native, allmasq)
        with milter_for(work, allmasq) as milter:
            for path, cls, kw in PATHS:
                with Sink() as sink, cls(sink.port, milters=[milter.spec()],
                                         **kw) as mta:
                    try:
                        got = deliver(mta, sink, CASES)
                    except BaseException:
                        log('--- %s log ---\n%s' % (path, mta.log()[-4000:]))
                        raise
                diffs += compare(path, config, native, got,
                                 () if generics_native else ('generics',))
                # On sendmail its own masquerading is off: the milter did it.
                frm = got['acceptance'].header('From')
                assert frm == [b' "Doe, J." <john@example.net> (home), '
                               b'root@pc1.home.example.net'], (path, frm)
            mlog = milter.log()
            assert 'masq=header header=From' in mlog and \
                'masq=envelope' in mlog, 'milter log:\n' + mlog
    return diffs


def check_native(native, allmasq):
    """Sanity of the reference: sendmail's own masquerading is on."""
    m = native['acceptance']
    assert m.header('From') == [b' "Doe, J." <john@example.net> (home), '
                                b'root@pc1.home.example.net'], m.header('From')
    assert m.mail_from == 'john@example.net', m.mail_from
    to = native['recipient-headers'].header('To')[0]
    assert (b'jane@example.net' in to) == allmasq, to


def test():
    e2e_enabled()
    masq_milter().stop()    # Skip when milterkit-masq is not built
    generics_native = makemap_binary() is not None
    if not generics_native:
        log('NOTE: no makemap in the unpacked sendmail: the genericstable '
            'case is not compared with native sendmail')
    # The two configurations run side by side (each with its own MTAs,
    # milter and sinks), to keep the test short.
    diffs = []
    for r in in_threads(run_config, [c + (generics_native,) for c in CONFIGS]):
        diffs += r
    unknown = [d for d in diffs if known(d) is None]
    used = set()
    for d in diffs:
        k = known(d)
        if k is not None:
            used.add(DIFFERENCES.index(k))
            log('deliberate difference [%s/%s] %s %s:\n  sendmail: %r\n'
                '  milterkit-masq: %r\n  why: %s'
                % (d[0], d[1], d[2], d[3], d[4], d[5], k[6]))
    for d in unknown:
        log('UNEXPECTED difference [%s/%s] %s %s:\n  sendmail: %r\n'
            '  milterkit-masq: %r' % d)
    stale = [DIFFERENCES[i] for i in range(len(DIFFERENCES)) if i not in used]
    for k in stale:
        log('listed difference no longer seen: %r' % (k[:6],))
    assert not unknown, '%d unexpected difference(s)' % len(unknown)
    assert not stale, '%d listed difference(s) no longer seen' % len(stale)
    log('%d cases x %d configurations x %d MTA set-ups: equal to native '
        'sendmail but for %d listed difference(s)'
        % (len(CASES), len(CONFIGS), len(PATHS), len(diffs)))


run_test(test)
