"""tests/e2e/keygen-check.py - milterkit-keygen --check against a private
DNS server on loopback (testdns.TestDNS, an unbound with local data).

Shows each outcome with its exit code, servers taken from the -c file's
site.dns.servers:
  published-and-matching   0  RSA record as split in the zone file; Ed25519
                              record with tags reordered and p= folded;
                              key files from opendkim-genkey (PKCS#1) and
                              dkimpy's dknewkey (raw Ed25519 seed) too
  published-but-different  1  another key's p=; an empty p= (revoked);
                              k=ed25519 for an RSA key
  absent                   2  no such name; a name with only an A record
  DNS error                3  the server answers SERVFAIL; the server is
                              frozen (timeout); nothing listens any more
  malformed record         4  bad base64 p=; duplicated tag
a missing key file and a bad -c file (exit 5, naming the file), and
site.domain as the default -d.
Skips (77) without unbound.
"""

import os
import re
import subprocess
import time

from mktest import Skip, Workdir, log, run_test
from mktest.testdns import TestDNS

BUILD = os.environ.get('top_builddir', '.')
KEYGEN = os.path.join(BUILD, 'tools', 'keygen', 'milterkit-keygen')
DOMAIN = 'example.net'


def keygen(*args, timeout=60):
    return subprocess.run([KEYGEN] + list(args), capture_output=True, text=True,
                          timeout=timeout)


def make_key(d, sel, alg='rsa'):
    r = keygen('-d', DOMAIN, '-s', sel, '-a', alg, '-b', '1024' if alg == 'rsa' else '256',
               '-D', d) if alg == 'rsa' else keygen('-d', DOMAIN, '-s', sel, '-a', alg, '-D', d)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(d, sel + '.txt')) as f:
        line = f.read()
    strings = re.findall(r'"([^"]*)"', line[line.index('('):line.index(')')])
    return os.path.join(d, sel + '.private'), strings


def conf(work, servers, timeout=2):
    return work.file('milterkit.conf',
                     'site: { domain = "%s"; hostname = "mail.%s";\n'
                     '  dns = { servers = [%s]; timeout = %d; }; };\n'
                     'dkim: { keys = (); };\n' % (
                         DOMAIN, DOMAIN, ', '.join('"%s"' % s for s in servers), timeout))


def expect(cfg, sel, key, code, verdict, what):
    t0 = time.monotonic()
    r = keygen('--check', '-c', cfg, '-d', DOMAIN, '-s', sel, '-k', key)
    out = r.stdout + r.stderr
    log('%-45s exit %d in %.1fs: %s' % (what, r.returncode, time.monotonic() - t0,
                                         out.strip().replace('\n', ' | ')[:160]))
    assert r.returncode == code, '%s: exit %d, want %d\n%s' % (what, r.returncode, code, out)
    assert verdict in out, '%s: no "%s" in\n%s' % (what, verdict, out)


def opendkim_genkey(d):
    """A PKCS#1 key and record from OpenDKIM's own tool, if installed."""
    tool = '/usr/sbin/opendkim-genkey'
    if not os.access(tool, os.X_OK):
        return None
    sub = os.path.join(d, 'odk')
    os.mkdir(sub)
    subprocess.run([tool, '-b', '1024', '-d', DOMAIN, '-s', 'odk', '-D', sub], check=True)
    with open(os.path.join(sub, 'odk.txt')) as f:
        line = f.read()
    strings = re.findall(r'"([^"]*)"', line[line.index('('):line.index(')')])
    return os.path.join(sub, 'odk.private'), strings


def dknewkey(d):
    """An Ed25519 key from dkimpy's tool (a raw base64 seed), if installed."""
    tool = '/usr/bin/dknewkey'
    if not os.access(tool, os.X_OK):
        return None
    subprocess.run([tool, '--ktype', 'ed25519', os.path.join(d, 'dked')], check=True,
                   capture_output=True)
    with open(os.path.join(d, 'dked.dns')) as f:
        return os.path.join(d, 'dked.key'), f.read().strip()


def main():
    if not os.access(KEYGEN, os.X_OK):
        raise Skip('no ' + KEYGEN)
    if not os.access('/usr/sbin/unbound', os.X_OK):
        raise Skip('unbound missing')
    with Workdir(prefix='milterkit-keycheck-') as work:
        d = work.path
        rsa, rsa_txt = make_key(d, 'rsa')
        other, other_txt = make_key(d, 'other')
        ed, ed_txt = make_key(d, 'ed', 'ed25519')
        ed_p = re.search(r'p=(\S+)', ''.join(ed_txt)).group(1)
        other_p = re.search(r'p=(\S+)', ''.join(other_txt)).group(1)
        odk = opendkim_genkey(d)
        dkp = dknewkey(d)
        # SERVFAIL: a name handed to the iterator, delegated to a server it
        # will not ask (do-not-query-localhost).
        dns = TestDNS(extra=['local-zone: "fail._domainkey.%s." transparent' % DOMAIN,
                             'stub-zone:', '  name: "fail._domainkey.%s."' % DOMAIN,
                             '  stub-addr: 127.0.0.1@9'])
        with dns:
            dns.txt('rsa._domainkey.' + DOMAIN, rsa_txt)
            dns.txt('ed._domainkey.' + DOMAIN,
                    ['p=%s \t %s' % (ed_p[:20], ed_p[20:30]), '%s ; k = ed25519 ;' % ed_p[30:]])
            dns.txt('diff._domainkey.' + DOMAIN, 'v=DKIM1; k=rsa; p=' + other_p)
            dns.txt('revoked._domainkey.' + DOMAIN, 'v=DKIM1; k=rsa; p=')
            dns.txt('wrongk._domainkey.' + DOMAIN, 'v=DKIM1; k=ed25519; p=' + ed_p)
            dns.a('aonly._domainkey.' + DOMAIN, '192.0.2.1')
            dns.txt('badb64._domainkey.' + DOMAIN, 'v=DKIM1; k=rsa; p=MIGf!!')
            dns.txt('dup._domainkey.' + DOMAIN, 'v=DKIM1; p=%s; p=%s' % (other_p, other_p))
            if odk:
                dns.txt('odk._domainkey.' + DOMAIN, odk[1])
            if dkp:
                dns.txt('dked._domainkey.' + DOMAIN, dkp[1])
            dns.start()
            cfg = conf(work, [dns.server])
            expect(cfg, 'rsa', rsa, 0, 'published-and-matching', 'RSA, split strings')
            expect(cfg, 'ed', ed, 0, 'published-and-matching', 'Ed25519, reordered, folded p=')
            if odk:
                expect(cfg, 'odk', odk[0], 0, 'published-and-matching',
                       'opendkim-genkey PKCS#1 key and record')
            if dkp:
                expect(cfg, 'dked', dkp[0], 0, 'published-and-matching',
                       'dkimpy dknewkey Ed25519 seed and record')
            expect(cfg, 'diff', rsa, 1, 'published-but-different', 'another key')
            expect(cfg, 'revoked', rsa, 1, 'revoked', 'empty p=')
            expect(cfg, 'wrongk', rsa, 1, 'published-but-different', 'k=ed25519, RSA key')
            expect(cfg, 'nosuch', rsa, 2, 'absent', 'no such name')
            expect(cfg, 'aonly', rsa, 2, 'absent', 'A record only')
            expect(cfg, 'badb64', rsa, 4, 'malformed', 'bad base64')
            expect(cfg, 'dup', rsa, 4, 'malformed', 'duplicated p=')
            expect(cfg, 'fail', rsa, 3, 'dns-error', 'SERVFAIL')
            expect(cfg, 'rsa', os.path.join(d, 'missing.private'), 5, 'missing.private',
                   'missing key file')
            dns.pause()
            try:
                expect(cfg, 'rsa', rsa, 3, 'dns-error', 'server frozen (timeout)')
            finally:
                dns.resume()
        # dns stopped: nothing listens on the port any more
        expect(cfg, 'rsa', rsa, 3, 'dns-error', 'server gone')
        # -c: site.domain is the default -d; a bad file is named
        r = keygen('-c', cfg, '-s', 'fromconf', '-a', 'ed25519', '-D', d)
        assert r.returncode == 0 and 'domain = "%s"; selector = "fromconf"' % DOMAIN in r.stdout, \
            r.stdout + r.stderr
        bad = work.file('bad.conf', 'site: { domain = 5; };\n')
        r = keygen('--check', '-c', bad, '-s', 'rsa', '-k', rsa)
        assert r.returncode == 5 and bad in r.stderr, r.stderr
        log('-c: site.domain used; bad config named: %s' % r.stderr.strip().replace('\n', ' | '))


if __name__ == '__main__':
    run_test(main)
