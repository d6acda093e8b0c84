"""tests/e2e/keygen-opendkim.py - keys made by milterkit-keygen work in
Debian's OpenDKIM.

RSA and Ed25519 keys are made with milterkit-keygen; their zone-file
strings are served, as split, by a private unbound (testdns.TestDNS).
Shows:
  - opendkim-testkey loads the RSA key, finds the record through the test
    DNS and says the two match ("key OK");
  - the opendkim milter, run in the foreground with a KeyTable naming the
    key file, signs a message with each key (rsa-sha256, ed25519-sha256);
  - OpenDKIM's verifier, fetching the split records from the test DNS,
    and dkimpy both pass the two signatures: the key OpenDKIM loaded is the
    one the record describes.
Skips (77) when opendkim, unbound or python3-dkim is missing.
"""

import os
import re
import subprocess

from mktest import Proc, Skip, Workdir, free_port, log, run_test, wait_port
from mktest.testdns import TestDNS

from mktest import milterclient

BUILD = os.environ.get('top_builddir', '.')
KEYGEN = os.path.join(BUILD, 'tools', 'keygen', 'milterkit-keygen')
OPENDKIM = '/usr/sbin/opendkim'
TESTKEY = '/usr/sbin/opendkim-testkey'
DOMAIN = 'example.net'


def need():
    for p in (KEYGEN, OPENDKIM, TESTKEY, '/usr/sbin/unbound'):
        if not os.access(p, os.X_OK):
            raise Skip('%s missing' % p)
    try:
        import dkim  # noqa: F401
    except ImportError:
        raise Skip('python3-dkim missing')


def zone_strings(path):
    with open(path) as f:
        line = f.read()
    return re.findall(r'"([^"]*)"', line[line.index('('):line.index(')')])


def make_key(d, sel, alg):
    subprocess.run([KEYGEN, '-d', DOMAIN, '-s', sel, '-a', alg, '-D', d], check=True,
                   capture_output=True)
    strings = zone_strings(os.path.join(d, sel + '.txt'))
    assert all(len(s) <= 255 for s in strings)
    return os.path.join(d, sel + '.private'), strings


def resolver_conf(work, dns):
    """An unbound configuration for libopendkim: everything to the test DNS."""
    return work.file('resolver.conf',
                     'server:\n  do-not-query-localhost: no\n'
                     'forward-zone:\n  name: "."\n  forward-addr: %s\n' % dns.server)


def testkey(work, dns, sel, key):
    conf = work.file('testkey.conf', 'ResolverConfiguration %s\n' % resolver_conf(work, dns))
    r = subprocess.run([TESTKEY, '-vvv', '-x', conf, '-d', DOMAIN, '-s', sel, '-k', key],
                       capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    log('opendkim-testkey %s: rc=%d %s' % (sel, r.returncode, out.strip()))
    assert r.returncode == 0 and 'key OK' in out, 'opendkim-testkey rejects ' + sel


def opendkim_conf(work, dns, port, sel=None, key=None, alg=None):
    """A signer for one key, or (sel None) a verifier."""
    if sel is not None:
        kt = work.file('KeyTable', '%s._domainkey.%s %s:%s:%s\n' % (sel, DOMAIN, DOMAIN, sel, key))
        st = work.file('SigningTable', '*@%s %s._domainkey.%s\n' % (DOMAIN, sel, DOMAIN))
        mode = ['Mode s', 'KeyTable file:%s' % kt, 'SigningTable refile:%s' % st,
                'SignatureAlgorithm %s' % alg]
    else:
        mode = ['Mode v', 'AuthservID mx.example.org']
    return work.file('opendkim.conf', '\n'.join(mode + [
        'Syslog no', 'LogWhy yes', 'Socket inet:%d@127.0.0.1' % port,
        'RequireSafeKeys no', 'UserID root',
        'Canonicalization relaxed/relaxed', 'InternalHosts 127.0.0.1',
        'PidFile %s' % os.path.join(work.path, 'opendkim.pid'),
        'ResolverConfiguration %s' % resolver_conf(work, dns), '']))


MESSAGE = (b'From: Alice <alice@example.net>\r\nTo: bob@example.org\r\n'
           b'Subject: keygen interop\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n'
           b'Message-ID: <kg1@example.net>\r\n\r\nHello from milterkit-keygen.\r\n')


def sign_with_opendkim(work, dns, sel, key, alg):
    """OpenDKIM 2.11 signs with one algorithm per instance (SignatureAlgorithm),
    so each key gets its own daemon."""
    port = free_port()
    conf = opendkim_conf(work, dns, port, sel, key, alg)
    with Proc([OPENDKIM, '-f', '-l', '-x', conf], os.path.join(work.path, 'opendkim.log'),
              name='opendkim') as proc:
        wait_port(port, proc=proc, timeout=15)
        res = milterclient.run_message(
            'inet:%d@127.0.0.1' % port, connect=('localhost', '127.0.0.1', 4000),
            helo='localhost', macros={'M': {'i': 'KG0001', '{auth_authen}': 'alice'}},
            mail_from='<alice@example.net>', rcpts=['<bob@example.org>'], message=MESSAGE)
        log('opendkim %s: %r' % (alg, res.final))
    sigs = [m for m in res.mods if m[0] in ('addheader', 'insheader')
            and m[-2].lower() == 'dkim-signature']
    return [m[-1] for m in sigs]


def verify_with_opendkim(work, dns, sigs):
    """OpenDKIM's verifier fetches the records, as split in the zone file,
    from the test DNS and passes both signatures."""
    port = free_port()
    conf = opendkim_conf(work, dns, port)
    headers, body = milterclient.parse_message(MESSAGE)
    headers = [('DKIM-Signature', v) for v in sigs] + headers
    with Proc([OPENDKIM, '-f', '-l', '-x', conf], os.path.join(work.path, 'opendkim-v.log'),
              name='opendkim') as proc:
        wait_port(port, proc=proc, timeout=15)
        res = milterclient.run_message(
            'inet:%d@127.0.0.1' % port, connect=('mx.example.org', '192.0.2.1', 4000),
            helo='mx.example.org', macros={'M': {'i': 'KG0002'}},
            mail_from='<alice@example.net>', rcpts=['<bob@example.org>'],
            headers=headers, body=body)
    ar = ' '.join(res.header_values('Authentication-Results'))
    log('opendkim verifier: %r' % ar)
    for a in ('rsa-sha256', 'ed25519-sha256'):
        assert re.search(r'dkim=pass (\([^)]*\) )?[^;]*header\.a=%s' % a, ar), \
            'OpenDKIM: no pass for ' + a


def verify_with_dkimpy(sigs, records):
    import dkim

    def dnsfunc(name, timeout=5):
        return records.get(name.decode().rstrip('.'))
    algs = set()
    for v in sigs:
        hdr = b'DKIM-Signature:' + v.replace('\n', '\r\n').encode() + b'\r\n'
        d = dkim.DKIM(hdr + MESSAGE)
        ok = d.verify(dnsfunc=dnsfunc)
        a = re.search(r'a=([\w-]+)', v).group(1)
        log('dkimpy verifies %s signature: %s' % (a, ok))
        assert ok, 'OpenDKIM %s signature does not verify' % a
        algs.add(a)
    assert algs == {'rsa-sha256', 'ed25519-sha256'}, 'signatures made: %r' % algs


def main():
    need()
    with Workdir(prefix='milterkit-keygen-') as work:
        rsa, rsa_txt = make_key(work.path, 'kgrsa', 'rsa')
        ed, ed_txt = make_key(work.path, 'kged', 'ed25519')
        records = {'kgrsa._domainkey.' + DOMAIN: ''.join(rsa_txt).encode(),
                   'kged._domainkey.' + DOMAIN: ''.join(ed_txt).encode()}
        with TestDNS() as dns:
            dns.txt('kgrsa._domainkey.' + DOMAIN, rsa_txt)
            dns.txt('kged._domainkey.' + DOMAIN, ed_txt)
            dns.start()
            testkey(work, dns, 'kgrsa', rsa)
            sigs = sign_with_opendkim(work, dns, 'kgrsa', rsa, 'rsa-sha256')
            sigs += sign_with_opendkim(work, dns, 'kged', ed, 'ed25519-sha256')
            verify_with_opendkim(work, dns, sigs)
        log('%d signatures from opendkim' % len(sigs))
        verify_with_dkimpy(sigs, records)


if __name__ == '__main__':
    run_test(main)
