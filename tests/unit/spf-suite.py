"""tests/unit/spf-suite.py - the RFC 7208 SPF test suite (tests/data/spf,
from pyspf's repository) run through a real DNS against:

  ours     lib/auth/spf.c, through tests/unit/auth_eval (lib/dns, libunbound)
  libspf2  Debian's libspf2 with its DNS routed through lib/dns
           (tests/unit/spf_libspf2; only when configure found libspf2)
  pyspf    Debian's python3-spf, the oracle, with dnspython pointed at the
           same server (only when python3-spf is installed)

Each scenario of the suite gets its own unbound (mktest.testdns) loaded with
the scenario's zone data, the way pyspf's own test driver (test/testspf.py)
reads it:
  - a type SPF record is served as type SPF and, unless the name has TXT
    records of its own, also as TXT; "NONE" stands for no record;
  - a record given as a list of strings is one record of several
    character-strings (an empty list, which DNS cannot carry, becomes one
    empty string); strings over 255 bytes are split;
  - "TIMEOUT" is made real: a name whose TXT record times out (no TXT data)
    becomes a zone forwarded to a loopback UDP port that is bound but never
    read, so unbound, and behind it libunbound, time out.  A name with
    TXT data keeps it: the suite only needs its other types (SPF) to time
    out, and no RFC 7208 implementation asks for those.
pyspf passing every case through this DNS is the check that the emulation
is faithful.

Every case must pass for ours, except those in OURS_EXCEPTIONS (none); each
implementation's failures must be exactly its listed ones, so the lists are
checked in both directions (an exception that starts passing fails the test
until it is removed); LIBSPF2_SOMETIMES holds a libspf2 case whose outcome
depends on the order of the DNS answer.  The results of every case are printed as a table,
with pass/fail counts per scenario.
"""

import os
import socket
import subprocess
import sys

from mktest import Skip, check, log, run_test, top_builddir, top_srcdir
from mktest.testdns import UNBOUND, TestDNS

SUITE = os.path.join(top_srcdir(), 'tests', 'data', 'spf', 'rfc7208-tests.yml')

# Cases our evaluator may fail, {test id: reason}.  Empty: all must pass.
OURS_EXCEPTIONS = {}

# Debian 12's libspf2 1.2.10-7.2, measured through lib/dns: the cases it
# fails, {test id: why}.  The SPF decision in lib/auth/spf.h rests on this
# list; the test checks it is still exact in both directions.
def _fails(reason, *ids):
    return {i: reason for i in ids}


LIBSPF2_FAILS = {}
LIBSPF2_FAILS.update(_fails(
    'prefix length /0 refused as a syntax error (RFC 7208 5.6 allows 0..32, 0..128)',
    'a-cidr4-0', 'a-cidr4-0-ip6', 'a-cidr6-0-ip4', 'a-cidr6-0-ip4mapped', 'a-cidr6-0-ip6',
    'a-cidr6-0-nxdomain', 'a-nxdomain', 'cidr4-0', 'cidr6-0', 'cidr6-0-ip4', 'cidr6-ip4',
    'mx-cidr4-0', 'mx-cidr4-0-ip6', 'mx-cidr6-0-ip4', 'mx-cidr6-0-ip4mapped', 'mx-cidr6-0-ip6',
    'mx-cidr6-0-nxdomain', 'mx-nxdomain'))
LIBSPF2_FAILS.update(_fails(
    'prefix length with a leading zero accepted (5.6)', 'cidr4-032'))
LIBSPF2_FAILS.update(_fails(
    'domain-spec not checked (7.1): NUL, bad or numeric top label, single label, '
    'empty domain, a prefix length where none is allowed',
    'a-bad-domain', 'a-bad-toplabel', 'a-numeric', 'a-numeric-toplabel', 'a-only-toplabel',
    'a-only-toplabel-trailing-dot', 'a-null', 'a-empty-domain', 'invalid-domain',
    'mx-bad-domain', 'mx-bad-toplab', 'mx-numeric-top-label', 'mx-null', 'mx-empty-domain',
    'exists-cidr', 'exists-empty-domain', 'ptr-empty-domain', 'include-empty-domain',
    'redirect-empty-domain', 'exp-empty-domain', 'exp-syntax-error'))
LIBSPF2_FAILS.update(_fails(
    'macro syntax errors accepted (7.1): "%" not followed by "{", "%", "_", "-"; '
    'c/r/t outside explanation text; bad macro in an unknown modifier',
    'invalid-macro-char', 'invalid-embedded-macro-char', 'invalid-trailing-macro-char',
    'exp-only-macro-char', 'unknown-modifier-syntax'))
LIBSPF2_FAILS.update(_fails(
    'macro escapes %%, %_ and %- expanded wrongly (7.3)', 'macro-mania-in-domain'))
LIBSPF2_FAILS.update(_fails(
    'redirect= and exp= accepted twice (6)', 'exp-twice', 'redirect-twice'))
LIBSPF2_FAILS.update(_fails(
    'modifier syntax (4.6.1, 12): "redirect:" taken as valid, a valid modifier '
    'name with "." "-" "_" refused', 'redirect-is-modifier', 'modifier-charset-good'))
LIBSPF2_FAILS.update(_fails(
    'redirect= acted on where written, not after all mechanisms (6.1)',
    'redirect-after-mechanisms1', 'redirect-after-mechanisms2'))
LIBSPF2_FAILS.update(_fails(
    'DNS lookups inside an include not counted against the limit of 10 (4.6.4)',
    'include-over-limit'))
LIBSPF2_FAILS.update(_fails(
    'no limit of 2 void lookups (4.6.4)', 'void-over-limit'))
LIBSPF2_FAILS.update(_fails(
    'control characters / non-ASCII bytes accepted inside a record (3.1, 4.6.1)',
    'control-char-policy', 'non-ascii-policy'))
LIBSPF2_FAILS.update(_fails(
    'malformed initial domain (empty or over-long label) queried instead of '
    '"none" (4.3)', 'emptylabel', 'toolonglabel'))
LIBSPF2_FAILS.update(_fails(
    'over-long label in a target queried; the DNS error becomes temperror '
    '(the suite allows fail or permerror)',
    'invalid-domain-long', 'invalid-domain-long-via-macro'))
LIBSPF2_FAILS.update(_fails(
    'IPv4-mapped client (::ffff:a.b.c.d) treated as IPv6 (5)',
    'ip4-mapped-ip6', 'a-colon-domain-ip4mapped', 'mx-colon-domain-ip4mapped'))
LIBSPF2_FAILS.update(_fails(
    'a DNS error while validating a PTR name gives temperror instead of skipping '
    'the name (5.5)', 'ptr-cname-loop'))

# libspf2 cases whose outcome depends on the order of the DNS answer
# (libunbound rotates records), so they may pass or fail from run to run.
LIBSPF2_SOMETIMES = {
    'mx-limit': 'more than 10 MX names is not a permerror (4.6.4) when a matching '
                'name comes among the first it tries (seen both ways here)',
    'ptr-limit': 'more than 10 PTR names is a permerror unless a matching name comes '
                 'first; RFC 7208 4.6.4 says to ignore the names past the 10th',
}

# pyspf 2.0.14 through the same DNS: every case but the one the suite itself
# names as a pyspf bug.
PYSPF_FAILS = {
    'cname-aliasing': 'pyspf counts a record reached through two CNAMEs as two '
                      'records; the suite\'s own comment: "Pyspf incorrectly reports '
                      'multiple SPF records"',
}

QUERY_TIMEOUT_MS = 1500   # per query, for the cases that time out


def zone_string(value):
    """One character-string in zone-file syntax, every byte that is not
    plain printable ASCII (and ", \\, ') as \\DDD, so that the whole record
    can sit on one line of unbound.conf inside single quotes."""
    out = []
    for b in value:
        if 0x20 <= b < 0x7f and b not in (0x22, 0x5c, 0x27):
            out.append(chr(b))
        else:
            out.append('\\%03d' % b)
    return '"' + ''.join(out) + '"'


def txt_rdata(value):
    strings = [value] if isinstance(value, str) else list(value)
    chunks = []
    for s in strings:
        b = s.encode('utf-8')
        chunks += [b[i:i + 255] for i in range(0, len(b), 255)] or [b'']
    return ' '.join(zone_string(c) for c in chunks or [b''])


def fqdn(name):
    """NAME with a trailing dot, every byte that is not a letter, digit,
    '-', '_' or '.' as \\DDD (the suite has names with spaces and %)."""
    name = name if name.endswith('.') else name + '.'
    return ''.join(chr(b) if chr(b).isalnum() and b < 0x80 or b in b'-_.'
                   else '\\%03d' % b for b in name.encode('utf-8'))


def rdata(rtype, value):
    if rtype in ('TXT', 'SPF'):
        return txt_rdata(value)
    if rtype == 'MX':
        return '%d %s' % (value[0], fqdn(value[1]))
    if rtype in ('PTR', 'CNAME'):
        return fqdn(value)
    return str(value)


def records_of(items):
    """(type, value) pairs of one name, as testspf.py's getrdata() yields
    them, and whether the name carries a bare TIMEOUT."""
    recs, spf, timeout, has_txt = [], [], False, False
    for item in items:
        if item == 'TIMEOUT':
            timeout = True
            continue
        for rtype, value in item.items():
            if rtype == 'TXT':
                has_txt = True
            if value == 'NONE':
                continue
            if rtype == 'SPF':
                spf.append(value)
            recs.append((rtype, value))
    if not has_txt:
        recs += [('TXT', v) for v in spf]
    return recs, timeout


def zone_lines(zonedata, silent_port):
    """unbound.conf lines serving zonedata; TIMEOUT names forwarded to
    127.0.0.1@silent_port."""
    data, forwards = [], []
    for name, items in zonedata.items():
        recs, timeout = records_of(items)
        if timeout and not any(t == 'TXT' for t, _ in recs):
            forwards.append(name)
            continue
        for rtype, value in recs:
            data.append("local-data: '%s 300 IN %s %s'" % (
                fqdn(name), rtype, rdata(rtype, value)))
    # answers in the order of the test data, as the suite's ptr-limit case
    # assumes ("evaluating the 10 allowed PTR records in the order returned")
    lines = data + ['do-not-query-localhost: no', 'rrset-roundrobin: no']
    for name in forwards:
        lines.append('local-zone: "%s" transparent' % fqdn(name))
    for name in forwards:
        lines += ['forward-zone:', 'name: "%s"' % fqdn(name),
                  'forward-addr: 127.0.0.1@%d' % silent_port]
    return lines


def expected_of(test):
    r = test['result']
    return [r] if isinstance(r, str) else list(r)


def run_driver(argv, env, cases):
    if not argv[0].endswith('auth_eval'):
        # an instrument, not our code: its own leaks are not our findings
        env = dict(env, ASAN_OPTIONS=env.get('ASAN_OPTIONS', '') + ':detect_leaks=0')
    lines = ''.join('%s\t%s\t%s\n' % (t['host'], t['helo'], t['mailfrom'])
                    for _, t in cases)
    r = subprocess.run(argv, input=lines.encode(), env=env,
                       stdout=subprocess.PIPE, timeout=600)
    check(r.returncode == 0, '%s exited %d' % (argv[0], r.returncode))
    out = r.stdout.decode().split('\n')
    check(len(out) >= len(cases), '%s answered %d of %d cases' % (
        argv[0], len(out), len(cases)))
    return [o.strip() for o in out[:len(cases)]]


def run_pyspf(server_port, cases):
    import dns.resolver
    import spf
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ['127.0.0.1']
    res.port = server_port
    res.lifetime = QUERY_TIMEOUT_MS / 1000.0
    res.timeout = QUERY_TIMEOUT_MS / 1000.0
    dns.resolver.default_resolver = res
    out = []
    for _, t in cases:
        q = spf.query(i=t['host'], s=t['mailfrom'], h=t['helo'],
                      timeout=QUERY_TIMEOUT_MS / 1000.0)
        res_word = q.check()[0]
        out.append({'unknown': 'permerror', 'error': 'temperror'}.get(
            res_word, res_word))
    return out


def implementations():
    impls = [('ours', [os.path.join(top_builddir(), 'tests', 'unit', 'auth_eval'),
                       'spf', str(QUERY_TIMEOUT_MS)], OURS_EXCEPTIONS)]
    if not os.access(impls[0][1][0], os.X_OK):
        raise Skip('tests/unit/auth_eval not built')
    libspf2 = os.path.join(top_builddir(), 'tests', 'unit', 'spf_libspf2')
    if os.access(libspf2, os.X_OK):
        impls.append(('libspf2', [libspf2, str(QUERY_TIMEOUT_MS)], LIBSPF2_FAILS))
    else:
        log('libspf2 not built: its column is left out')
    try:
        import spf  # noqa: F401
        import dns.resolver  # noqa: F401
        impls.append(('pyspf', None, PYSPF_FAILS))
    except ImportError:
        log('python3-spf not installed: the oracle column is left out')
    return impls


def main():
    import yaml
    if not os.path.exists(UNBOUND):
        raise Skip('no %s' % UNBOUND)
    impls = implementations()
    with open(SUITE, 'rb') as f:
        scenarios = list(yaml.safe_load_all(f))
    failed = {name: {} for name, _, _ in impls}
    counts = []
    total = 0
    for sc in scenarios:
        cases = sorted(sc['tests'].items())
        total += len(cases)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
            silent.bind(('127.0.0.1', 0))     # bound, never read
            extra = zone_lines(sc['zonedata'], silent.getsockname()[1])
            with TestDNS(ipv6=False, extra=extra) as dns_server:
                dns_server.start()
                env = dict(os.environ, MK_DNS_SERVER=dns_server.server)
                answers = {}
                for name, argv, _ in impls:
                    if argv is None:
                        answers[name] = run_pyspf(dns_server.port, cases)
                    else:
                        answers[name] = run_driver(argv, env, cases)
        row = [sc['description'], len(cases)]
        for name, _, _ in impls:
            bad = 0
            for (tid, t), got in zip(cases, answers[name]):
                if got not in expected_of(t):
                    failed[name][tid] = got
                    bad += 1
            row.append(len(cases) - bad)
        counts.append(row)
        for i, (tid, t) in enumerate(cases):
            print('%-40s %-28s %-22s %s' % (
                sc['description'][:40], tid[:28], '|'.join(expected_of(t)),
                ' '.join('%s=%s' % (n, answers[n][i]) for n, _, _ in impls)))
    print()
    print('%-42s %5s  %s' % ('scenario', 'cases',
                             '  '.join('%8s' % n for n, _, _ in impls)))
    for row in counts:
        print('%-42s %5d  %s' % (row[0][:42], row[1],
                                 '  '.join('%8d' % v for v in row[2:])))
    print('%-42s %5d  %s' % ('total', total, '  '.join(
        '%8d' % (total - len(failed[n])) for n, _, _ in impls)))
    for name, _, listed in impls:
        print('%s fails %d: %s' % (name, len(failed[name]), ', '.join(
            '%s=%s' % kv for kv in sorted(failed[name].items()))))
    for name, _, listed in impls:
        sometimes = set(LIBSPF2_SOMETIMES) if name == 'libspf2' else set()
        unexpected = sorted(set(failed[name]) - set(listed) - sometimes)
        fixed = sorted(set(listed) - set(failed[name]))
        check(not unexpected, '%s fails cases not listed: %s' % (
            name, ', '.join('%s=%s' % (t, failed[name][t]) for t in unexpected)))
        check(not fixed, '%s passes cases listed as failing (remove them): %s'
              % (name, ', '.join(fixed)))


if __name__ == '__main__':
    run_test(main)
