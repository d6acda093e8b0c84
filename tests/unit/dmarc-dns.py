"""tests/unit/dmarc-dns.py - DMARC (lib/auth/dmarc.c, RFC 9989) through a
real DNS: unbound on loopback (mktest.testdns) with the records below,
tests/unit/auth_eval in "dmarc" mode evaluating each case.  One case per
rule of RFC 9989 that the evaluation implements: policy discovery and the
tree walk (8-query limit, psd=y, psd=n, several records at a name),
alignment (relaxed, strict, DKIM and SPF), p/sp/np and the existence test,
t=y, record syntax (invalid p with and without rua, missing p, removed and
unknown tags, version not first), multiple From (mailboxes, fields,
groups, unparseable, empty, absent, too many domains), IDNA, case, DNS
failures and the time budget.  Expected values are data (CASES); the
section of RFC 9989 each case shows is in its name.

The same cases then go to Debian's libopendmarc 1.4.2 (RFC 7489, with a
public suffix list naming "test"), through tests/unit/dmarc_opendmarc on the
same DNS, as an oracle: result and policy must agree on every case except
those in ORACLE_DIFFERENCES, each listed with why (RFC 9989 changed RFC
7489 there, or libopendmarc departs from both, or the case is one where RFC
9989 leaves the choice to us), and every listed case must differ.
"""

import os
import socket
import subprocess

from mktest import Skip, Workdir, check, log, run_test, top_builddir
from mktest.testdns import UNBOUND, TestDNS

RECORDS = [
    ('_dmarc.example.test', 'v=DMARC1; p=reject; sp=quarantine; np=none; '
                            'rua=mailto:d@example.test'),
    ('_dmarc.strict.test', 'v=DMARC1; p=reject; adkim=s; aspf=s'),
    ('_dmarc.nosp.test', 'v=DMARC1; p=quarantine'),
    ('_dmarc.spnonp.test', 'v=DMARC1; p=reject; sp=none'),
    ('_dmarc.testing.test', 'v=DMARC1; p=reject; t=y'),
    ('_dmarc.testq.test', 'v=DMARC1; p=quarantine; t=y'),
    ('_dmarc.bank.test', 'v=DMARC1; p=reject; psd=y'),
    ('_dmarc.giant.bank.test', 'v=DMARC1; p=none'),
    ('_dmarc.psdn.test', 'v=DMARC1; p=reject'),
    ('_dmarc.mail.psdn.test', 'v=DMARC1; p=quarantine; psd=n'),
    ('_dmarc.example3.test', 'v=DMARC1; p=reject'),
    ('_dmarc.b.c.d.e.f.g.example3.test', 'v=DMARC1; p=none; psd=n'),
    ('_dmarc.x.multi.test', 'v=DMARC1; p=none'),
    ('_dmarc.x.multi.test', 'v=DMARC1; p=quarantine'),
    ('_dmarc.multi.test', 'v=DMARC1; p=reject'),
    ('_dmarc.badp.test', 'v=DMARC1; p=bogus; rua=mailto:r@badp.test'),
    ('_dmarc.badpnorua.test', 'v=DMARC1; p=bogus'),
    ('_dmarc.badsp.test', 'v=DMARC1; p=reject; sp=bogus; rua=mailto:x@badsp.test'),
    ('_dmarc.twop.test', 'v=DMARC1; p=reject; p=reject'),
    ('_dmarc.nop.test', 'v=DMARC1; rua=mailto:a@nop.test'),
    ('_dmarc.pct.test', 'v=DMARC1; p=reject; pct=0; foo=bar; rf=afrf; ri=3600'),
    ('_dmarc.notdmarc.test', 'v=spf1 -all'),
    ('_dmarc.vlater.test', 'p=reject; v=DMARC1'),
    ('_dmarc.good.test', 'v=DMARC1; p=none'),
    ('_dmarc.victim.test', 'v=DMARC1; p=reject'),
    ('_dmarc.victim2.test', 'v=DMARC1; p=quarantine'),
    ('_dmarc.xn--bcher-kva.test', 'v=DMARC1; p=reject'),
    ('_dmarc.relaxed.test', 'v=DMARC1; p=reject'),
    ('_dmarc.mid.relaxed.test', 'v=DMARC1; p=none'),
    ('_dmarc.case.test', 'V = DMARC1 ; P = Reject ; ADKIM = S'),
]
ADDRESSES = ['example.test', 'sub.example.test', 'k.l.m.n.o.p.q.r.example.test', 'mail.example.test', 'sub.nosp.test',
             'sub.spnonp.test', 'giant.bank.test', 'x.mail.psdn.test']


def records(dns):
    for name, text in RECORDS:
        dns.txt(name, text)
    for name in ADDRESSES:
        dns.a(name, '192.0.2.1')


def extra(silent_port):
    """broken.test and tf.example.test: REFUSED (a DNS failure, at once);
    slow.test: forwarded to a loopback port that never answers."""
    return ['do-not-query-localhost: no',
            'local-zone: "broken.test." refuse',
            'local-zone: "tf.example.test." refuse',
            'local-zone: "slow.test." transparent',
            'forward-zone:', 'name: "slow.test."',
            'forward-addr: 127.0.0.1@%d' % silent_port]


def case(name, frm, expect, spf=None, dkim=(), budget=None, domains=()):
    """frm: a From value, or a list of From field values (None: no From)."""
    return dict(name=name, frm=frm, spf=spf, dkim=list(dkim), expect=expect,
                budget=budget, domains=list(domains))


CASES = [
    # 4.10.1: the Author Domain's own record, p=
    case('4.10.1 own record, no alignment: fail p=reject', 'a@example.test',
         {'result': 'fail', 'policy': 'reject'},
         domains=[{'policy_domain': 'example.test', 'tag': 'p', 'org': 'example.test'}]),
    case('4.4.2 SPF pass aligned (same domain): pass', 'a@example.test',
         {'result': 'pass', 'policy': 'none'}, spf=('pass', 'example.test'),
         domains=[{'spf': '1', 'dkim': '0'}]),
    case('4.4.1 DKIM pass aligned: pass', 'a@example.test', {'result': 'pass'},
         dkim=[('example.test', 'pass')], domains=[{'dkim': '1'}]),
    case('4.4.1 aligned DKIM that failed does not count: fail', 'a@example.test',
         {'result': 'fail', 'policy': 'reject'}, dkim=[('example.test', 'fail')]),
    case('4.4.2 SPF not pass does not count: fail', 'a@example.test',
         {'result': 'fail'}, spf=('softfail', 'example.test')),
    case('3.2.10.1 relaxed: DKIM d= below the org domain: pass', 'a@example.test',
         {'result': 'pass'}, dkim=[('mail.example.test', 'pass')]),
    case('3.2.10.1 relaxed: SPF domain below the org domain: pass', 'a@sub.example.test',
         {'result': 'pass'}, spf=('pass', 'mail.example.test')),
    case('3.2.10.1 unrelated domain does not align: fail', 'a@example.test',
         {'result': 'fail'}, dkim=[('other.test', 'pass')], spf=('pass', 'other.test')),
    case('3.2.10.2 adkim=s: d= below the domain does not align', 'a@strict.test',
         {'result': 'fail', 'policy': 'reject'}, dkim=[('mail.strict.test', 'pass')]),
    case('3.2.10.2 aspf=s: SPF domain below does not align', 'a@strict.test',
         {'result': 'fail'}, spf=('pass', 'bounce.strict.test')),
    case('3.2.10.2 strict: identical domains align', 'a@strict.test',
         {'result': 'pass'}, spf=('pass', 'strict.test')),
    case('4.4 names compare without case', 'a@Case.TEST',
         {'result': 'pass'}, dkim=[('CASE.test', 'pass')]),
    case('4.7 tag names and values without case, adkim=S is strict', 'a@case.test',
         {'result': 'fail', 'policy': 'reject'}, dkim=[('x.case.test', 'pass')]),
    # 4.10.1: subdomains take sp= if they exist, np= if they do not
    case('4.10.1 existing subdomain: sp=quarantine', 'a@sub.example.test',
         {'result': 'fail', 'policy': 'quarantine'},
         domains=[{'tag': 'sp', 'exists': '1', 'policy_domain': 'example.test'}]),
    case('4.10.1 non-existent subdomain: np=none', 'a@nx.example.test',
         {'result': 'fail', 'policy': 'none'}, domains=[{'tag': 'np', 'exists': '0'}]),
    case('4.7 no sp/np: p for subdomains', 'a@sub.nosp.test',
         {'result': 'fail', 'policy': 'quarantine'}, domains=[{'tag': 'p'}]),
    case('4.7 no np: sp for non-existent subdomains', 'a@nx.spnonp.test',
         {'result': 'fail', 'policy': 'none'}, domains=[{'tag': 'sp'}]),
    # 4.7 t=y
    case('4.7 t=y lowers reject to quarantine', 'a@testing.test',
         {'result': 'fail', 'policy': 'quarantine'},
         domains=[{'requested': 'reject', 'testing': '1'}]),
    case('4.7 t=y lowers quarantine to none', 'a@testq.test',
         {'result': 'fail', 'policy': 'none'}, domains=[{'requested': 'quarantine'}]),
    # 4.10 / 4.10.2 tree walk, PSD
    case('B.4.3 PSD: own record below psd=y', 'a@giant.bank.test',
         {'result': 'fail', 'policy': 'none'},
         domains=[{'policy_domain': 'giant.bank.test', 'org': 'giant.bank.test'}]),
    case('B.4.3 PSD: d= of another org below the PSD does not align',
         'a@giant.bank.test', {'result': 'fail'}, dkim=[('mail.mega.bank.test', 'pass')]),
    case('B.4.3 PSD: SPF domain below the same org aligns', 'a@giant.bank.test',
         {'result': 'pass'}, spf=('pass', 'mail.giant.bank.test')),
    case('4.10.1 PSD policy when the org domain has no record', 'a@x.small.bank.test',
         {'result': 'fail', 'policy': 'reject'},
         domains=[{'policy_domain': 'bank.test', 'org': 'small.bank.test', 'tag': 'p'}]),
    case('4.10.2 psd=n makes the org domain', 'a@x.mail.psdn.test',
         {'result': 'fail', 'policy': 'quarantine'},
         domains=[{'org': 'mail.psdn.test', 'policy_domain': 'mail.psdn.test',
                   'tag': 'p'}]),
    case('4.10.2 psd=n: a sibling under the parent does not align', 'a@x.mail.psdn.test',
         {'result': 'fail'}, dkim=[('other.psdn.test', 'pass')]),
    case('4.10.2 psd=n: below the psd=n domain aligns', 'a@x.mail.psdn.test',
         {'result': 'pass'}, dkim=[('y.mail.psdn.test', 'pass')]),
    case('4.10.1 intermediate record is not the policy: fewest labels wins',
         'a@x.mid.relaxed.test', {'result': 'fail', 'policy': 'reject'},
         domains=[{'policy_domain': 'relaxed.test', 'org': 'relaxed.test'}]),
    case('4.10.2 relaxed across an intermediate record', 'a@mid.relaxed.test',
         {'result': 'pass'}, dkim=[('other.relaxed.test', 'pass')]),
    case('4.10 8-query limit: 12-label name cut to 7 labels (+1 existence query: np)',
         'a@a.b.c.d.e.f.g.h.i.j.example.test', {'result': 'fail', 'policy': 'none',
                                                'queries': '9'},
         domains=[{'policy_domain': 'example.test', 'tag': 'np', 'exists': '0'}]),
    case('4.10 8-query limit, existing deep subdomain: sp',
         'a@k.l.m.n.o.p.q.r.example.test', {'result': 'fail', 'policy': 'quarantine',
                                            'queries': '9'},
         domains=[{'policy_domain': 'example.test', 'tag': 'sp', 'exists': '1'}]),
    case('5.1.8 record on a skipped name is never found',
         'a@mail.a.b.c.d.e.f.g.example3.test', {'result': 'fail', 'policy': 'reject'},
         domains=[{'policy_domain': 'example3.test', 'org': 'example3.test'}]),
    case('4.10 step 2: several records at a name are discarded, the walk goes on',
         'a@x.multi.test', {'result': 'fail', 'policy': 'reject'},
         domains=[{'policy_domain': 'multi.test'}]),
    case('5.3.2 no record anywhere: none', 'a@nothing.test', {'result': 'none'}),
    # 4.7 / 4.8 record syntax
    case('4.10.1 invalid p with a valid rua: as p=none', 'a@badp.test',
         {'result': 'fail', 'policy': 'none'}, domains=[{'requested': 'none'}]),
    case('4.10.1 invalid p without rua: no DMARC', 'a@badpnorua.test', {'result': 'none'}),
    case('4.10.1 invalid sp with rua: the whole record as p=none', 'a@badsp.test',
         {'result': 'fail', 'policy': 'none'}),
    case('4.8 p given twice is invalid (DKIM tag-list rule): no rua, no DMARC',
         'a@twop.test', {'result': 'none'}),
    case('4.7 no p at all: p=none', 'a@nop.test', {'result': 'fail', 'policy': 'none'}),
    case('4.7 pct=0, rf, ri and unknown tags ignored: reject applies', 'a@pct.test',
         {'result': 'fail', 'policy': 'reject'}),
    case('4.7 a record that is not DMARC is discarded', 'a@notdmarc.test',
         {'result': 'none'}),
    case('4.7 v=DMARC1 not first: discarded', 'a@vlater.test', {'result': 'none'}),
    # 5.3.1, 11.5: From
    case('11.5 two mailboxes, one failing domain: fail with its policy',
         'a@good.test, b@victim.test', {'result': 'fail', 'policy': 'reject',
                                         'flags': 'domains'},
         dkim=[('good.test', 'pass')]),
    case('11.5 strictest failing policy wins', 'a@victim2.test, b@victim.test',
         {'result': 'fail', 'policy': 'reject'}),
    case('11.5 two From fields: both evaluated', ['a@good.test', 'b@victim.test'],
         {'result': 'fail', 'policy': 'reject', 'flags': 'fields'},
         dkim=[('good.test', 'pass')]),
    case('11.5 a group in From does not hide its mailboxes', 'friends: b@victim.test;',
         {'result': 'fail', 'policy': 'reject'}),
    case('11.5 same domain twice is one Author Domain', 'a@victim.test, b@VICTIM.test',
         {'result': 'pass'}, dkim=[('victim.test', 'pass')]),
    case('11.5 every domain passing: pass', 'a@good.test, b@victim.test',
         {'result': 'pass'}, dkim=[('good.test', 'pass'), ('victim.test', 'pass')]),
    case('11.5 a passing domain and one without record: pass',
         'a@victim.test, b@nothing.test', {'result': 'pass'},
         dkim=[('victim.test', 'pass')]),
    case('4.2 unparseable From: permerror', 'a@good.test, <<broken',
         {'result': 'permerror', 'flags': 'from'}, dkim=[('good.test', 'pass')]),
    case('4.2 unparseable From next to a failing one: fail',
         ['b@victim.test', 'a@x, <<broken'], {'result': 'fail', 'policy': 'reject'}),
    case('4.2 empty From: permerror', '', {'result': 'permerror', 'flags': 'from'}),
    case('4.2 From with an empty group only: permerror', 'undisclosed-recipients:;',
         {'result': 'permerror'}),
    case('4.2 no From header field: permerror', None, {'result': 'permerror'}),
    case('4.2 mailbox without domain only: permerror', 'nobody', {'result': 'permerror'}),
    case('4.2 mailbox without domain next to a failing one: fail', 'nobody, b@victim.test',
         {'result': 'fail', 'policy': 'reject', 'flags': 'from'}),
    case('4.2 domain literal only: permerror', 'a@[192.0.2.1]', {'result': 'permerror'}),
    case('11.5 more than 16 domains, none failing: permerror (incomplete)',
         ', '.join('a@d%d.test' % i for i in range(17)),
         {'result': 'permerror', 'flags': 'incomplete'}),
    case('11.5 more than 16 domains with a failing one among them: fail',
         'b@victim.test, ' + ', '.join('a@d%d.test' % i for i in range(17)),
         {'result': 'fail', 'policy': 'reject', 'flags': 'incomplete'}),
    case('5.3.1 a U-label From domain is evaluated as its A-label',
         'a@b\u00fccher.test', {'result': 'fail', 'policy': 'reject'},
         domains=[{'domain': 'xn--bcher-kva.test'}]),
    case('5.3.1 display name, comments and folding', '"Victim" <b@victim.test> (x)\\n ',
         {'result': 'fail', 'policy': 'reject'}),
    # 5.3.6: DNS errors and time
    case('5.3.6 DMARC lookup SERVFAIL: temperror', 'a@x.broken.test',
         {'result': 'temperror'}),
    case('4.10.2 an identifier outside the org domain is not walked: fail',
         'a@example.test', {'result': 'fail', 'queries': '2'},
         dkim=[('y.broken.test', 'pass')]),
    case('5.3.6 alignment walk failing, nothing else aligned: temperror', 'a@example.test',
         {'result': 'temperror'}, dkim=[('tf.example.test', 'pass')]),
    case('5.3.6 a pass that needs no failed lookup stands', 'a@example.test',
         {'result': 'pass'}, dkim=[('tf.example.test', 'pass'), ('example.test', 'pass')]),
    case('5.3.6 time budget spent on an unanswering server: temperror', 'a@x.slow.test',
         {'result': 'temperror'}, budget=600),
]


def case_input(c):
    lines = []
    frm = c['frm']
    if frm is not None:
        for value in ([frm] if isinstance(frm, str) else frm):
            lines.append('F\t%s' % value)
    if c['spf']:
        lines.append('S\t%s\t%s' % c['spf'])
    for d, r in c['dkim']:
        lines.append('D\t%s\t%s' % (d, r))
    if c['budget']:
        lines.append('B\t%d' % c['budget'])
    lines.append('E')
    return '\n'.join(lines) + '\n'


def parse(line):
    head, *domains = line.split(' | ')
    def fields(text):
        out = {}
        for part in text.split(' '):
            if '=' in part:
                k, v = part.split('=', 1)
                out.setdefault(k, v)
        return out
    top = fields(head.split(' why=')[0])
    top['why'] = head.split(' why=', 1)[1] if ' why=' in head else ''
    return top, [fields(d) for d in domains]


# A public suffix list for libopendmarc: every test domain is registered
# directly below "test", as the tree walk finds it.
PSL = '// the test zone\ntest\n'

# The cases where libopendmarc (RFC 7489, public suffix list) is expected to
# answer otherwise than RFC 9989, {case name: why}.  Every other case must
# agree (result and policy); every case listed must differ.
def _differ(reason, *names):
    return {n: reason for n in names}


ORACLE_DIFFERENCES = {}
# Where RFC 9989 changed RFC 7489:
ORACLE_DIFFERENCES.update(_differ(
    'np= is new in RFC 9989 (4.7, from RFC 9091): RFC 7489 applies sp=',
    '4.10.1 non-existent subdomain: np=none',
    '4.10 8-query limit: 12-label name cut to 7 labels (+1 existence query: np)'))
ORACLE_DIFFERENCES.update(_differ(
    't= is new in RFC 9989 (4.7): RFC 7489 applies the policy as published',
    '4.7 t=y lowers reject to quarantine', '4.7 t=y lowers quarantine to none'))
ORACLE_DIFFERENCES.update(_differ(
    'the Organizational Domain comes from the tree walk (psd=y / psd=n, RFC 9989 '
    '4.10.2), not from a public suffix list (RFC 7489 3.2)',
    'B.4.3 PSD: d= of another org below the PSD does not align',
    '4.10.2 psd=n makes the org domain',
    '4.10.2 psd=n: a sibling under the parent does not align'))
ORACLE_DIFFERENCES.update(_differ(
    'the tree walk needs DNS to find the Organizational Domain of d= (RFC 9989 '
    '4.10.2, 5.3.6: temperror when it fails); a public suffix list needs none',
    '5.3.6 alignment walk failing, nothing else aligned: temperror'))
ORACLE_DIFFERENCES.update(_differ(
    'several DMARC records at one name: RFC 9989 4.10 discards them and walks on; '
    'RFC 7489 6.6.3 ends discovery; libopendmarc 1.4.2 takes one of them',
    '4.10 step 2: several records at a name are discarded, the walk goes on'))
ORACLE_DIFFERENCES.update(_differ(
    'a record without p= is p=none (RFC 9989 4.7; RFC 7489 6.6.3 too, as the rua= '
    'is valid); libopendmarc 1.4.2 refuses it (DMARC_PARSE_ERROR_NO_REQUIRED_P)',
    '4.7 no p at all: p=none'))
# Where libopendmarc 1.4.2 departs from both RFCs:
ORACLE_DIFFERENCES.update(_differ(
    'libopendmarc aligns d= (or the SPF domain) "strictly" when the From domain is '
    'its public-suffix organizational domain (opendmarc_policy_check_alignment); '
    'strict means identical (RFC 7489 3.1.1, RFC 9989 3.2.10.2)',
    '3.2.10.2 adkim=s: d= below the domain does not align',
    '3.2.10.2 aspf=s: SPF domain below does not align'))
ORACLE_DIFFERENCES.update(_differ(
    'libopendmarc does not read "V = DMARC1 ; P = Reject ; ADKIM = S" (tag names in '
    'upper case, spaces around "="), which both RFCs\' ABNF allow',
    '4.4 names compare without case',
    '4.7 tag names and values without case, adkim=S is strict'))
ORACLE_DIFFERENCES.update(_differ(
    'an invalid p= or sp= with a valid rua= means p=none (RFC 7489 6.6.3, RFC 9989 '
    '4.10.1); libopendmarc drops the record or ignores the bad sp=',
    '4.10.1 invalid p with a valid rua: as p=none',
    '4.10.1 invalid sp with rua: the whole record as p=none'))
ORACLE_DIFFERENCES.update(_differ(
    'v=DMARC1 must be the first tag (RFC 7489 6.3, RFC 9989 4.7); libopendmarc takes '
    '"p=reject; v=DMARC1"', '4.7 v=DMARC1 not first: discarded'))
ORACLE_DIFFERENCES.update(_differ(
    'a tag given twice: RFC 9989 does not say; ours drops it (RFC 6376 3.2 tag-list '
    'rule, then 4.10.1), libopendmarc keeps a value',
    '4.8 p given twice is invalid (DKIM tag-list rule): no rua, no DMARC'))
ORACLE_DIFFERENCES.update(_differ(
    'U-labels: RFC 9989 5.3.1 converts them to A-labels; libopendmarc looks up the '
    'UTF-8 name', '5.3.1 a U-label From domain is evaluated as its A-label'))
# From with other than one domain (RFC 9989 4.2, 5.3.1, 11.5 leave room; our
# choice evaluates every domain and reports the rest as permerror, while
# libopendmarc takes one domain, the first it finds, of the first field):
ORACLE_DIFFERENCES.update(_differ(
    'several From domains or fields: every domain evaluated, the strictest failing '
    'policy applies (RFC 9989 11.5); libopendmarc evaluates the first only',
    '11.5 two mailboxes, one failing domain: fail with its policy',
    '11.5 strictest failing policy wins', '11.5 two From fields: both evaluated',
    '11.5 a group in From does not hide its mailboxes',
    '4.2 mailbox without domain next to a failing one: fail'))
ORACLE_DIFFERENCES.update(_differ(
    'a From that cannot be parsed or has no usable domain, or more domains than are '
    'evaluated: permerror (our choice, RFC 9989 4.2 leaves it out of scope); '
    'libopendmarc finds a domain in it or reports no policy',
    '4.2 unparseable From: permerror', '4.2 From with an empty group only: permerror',
    '4.2 mailbox without domain only: permerror', '4.2 domain literal only: permerror',
    '11.5 more than 16 domains, none failing: permerror (incomplete)'))


def run_oracle(env, cases, tmpdir):
    prog = os.path.join(top_builddir(), 'tests', 'unit', 'dmarc_opendmarc')
    if not os.access(prog, os.X_OK):
        log('libopendmarc oracle not built: comparison left out')
        return None
    psl = os.path.join(tmpdir, 'psl.dat')
    with open(psl, 'w') as f:
        f.write(PSL)
    data = ''.join(case_input(c) for c in cases)
    # an oracle, not our code: its own leaks are not our findings
    env = dict(env, ASAN_OPTIONS=env.get('ASAN_OPTIONS', '') + ':detect_leaks=0')
    r = subprocess.run([prog, psl], input=data.encode('utf-8'), env=env,
                       stdout=subprocess.PIPE, timeout=600)
    check(r.returncode == 0, 'dmarc_opendmarc exited %d' % r.returncode)
    return r.stdout.decode('utf-8').splitlines()


def compare_with_oracle(ours, theirs):
    agree, differ, bad = 0, 0, []
    for c, o, t in zip(CASES, ours, theirs):
        mine = (o['result'], o['policy'])
        other = tuple(dict(p.split('=', 1) for p in t.split()).get(k) for k in
                      ('result', 'policy'))
        same = mine == other
        listed = c['name'] in ORACLE_DIFFERENCES
        print('%-8s %-70s ours=%s/%s opendmarc=%s/%s' % (
            'same' if same else 'DIFFERS', c['name'][:70], mine[0], mine[1],
            other[0], other[1]))
        agree += same
        differ += not same
        if same and listed:
            bad.append('%s: listed as a difference but agrees' % c['name'])
        if not same and not listed:
            bad.append('%s: ours %s/%s, libopendmarc %s/%s' % ((c['name'],) + mine + other))
    print('libopendmarc: %d cases agree, %d differ (%d listed)' % (
        agree, differ, len(ORACLE_DIFFERENCES)))
    return bad


def main():
    prog = os.path.join(top_builddir(), 'tests', 'unit', 'auth_eval')
    if not os.path.exists(UNBOUND):
        raise Skip('no %s' % UNBOUND)
    if not os.access(prog, os.X_OK):
        raise Skip('auth_eval not built')
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(('127.0.0.1', 0))
        with TestDNS(ipv6=False, extra=extra(silent.getsockname()[1])) as dns:
            records(dns)
            dns.start()
            env = dict(os.environ, MK_DNS_SERVER=dns.server)
            data = ''.join(case_input(c) for c in CASES)
            r = subprocess.run([prog, 'dmarc', '3000'], input=data.encode('utf-8'),
                               env=env, stdout=subprocess.PIPE, timeout=600)
            check(r.returncode == 0, 'auth_eval exited %d' % r.returncode)
            out = r.stdout.decode('utf-8').splitlines()
            with Workdir(prefix='milterkit-dmarc-') as w:
                oracle = run_oracle(env, CASES, w.path)
    check(len(out) == len(CASES), 'got %d answers for %d cases' % (len(out), len(CASES)))
    bad = []
    for c, line in zip(CASES, out):
        top, doms = parse(line)
        wrong = ['%s=%s (want %s)' % (k, top.get(k), v) for k, v in c['expect'].items()
                 if k != 'flags' and top.get(k) != v]
        if 'flags' in c['expect'] and c['expect']['flags'] not in top.get('flags', ''):
            wrong.append('flags=%s (want %s)' % (top.get('flags'), c['expect']['flags']))
        for i, want in enumerate(c['domains']):
            got = doms[i] if i < len(doms) else {}
            wrong += ['domain[%d].%s=%s (want %s)' % (i, k, got.get(k), v)
                      for k, v in want.items() if got.get(k) != v]
        print('%-4s %s\n     %s' % ('ok' if not wrong else 'BAD', c['name'], line))
        if wrong:
            bad.append('%s: %s' % (c['name'], ', '.join(wrong)))
    check(not bad, '%d of %d cases wrong:\n  %s' % (len(bad), len(CASES), '\n  '.join(bad)))
    if oracle is not None:
        check(len(oracle) == len(CASES), 'oracle answered %d of %d' % (len(oracle), len(CASES)))
        bad = compare_with_oracle([parse(line)[0] for line in out], oracle)
        check(not bad, 'libopendmarc comparison:\n  ' + '\n  '.join(bad))


if __name__ == '__main__':
    run_test(main)
