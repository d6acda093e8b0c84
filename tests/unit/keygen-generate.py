"""tests/unit/keygen-generate.py - milterkit-keygen's generate mode, no DNS.

Shows: RSA (default 2048) and Ed25519 keys are written as PKCS#8 PEM with
mode 0600 even under umask 000; the zone-file strings are <= 255 bytes and
join to the one-string record printed; p= is the key's public half as
OpenSSL derives it (SubjectPublicKeyInfo for RSA, raw 32 bytes for
Ed25519, RFC 8463); t=y / t=s flags; the dkim.keys entry; the default
selector YYYYMM; RSA 512 and 4097 refused with no file left; an existing
key never overwritten; bad names refused; a key signs with dkimpy and
verifies against the printed record.
"""

import base64
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get('top_builddir', '.')
KEYGEN = os.path.join(BUILD, 'tools', 'keygen', 'milterkit-keygen')
FAILS = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        FAILS.append(what)


def keygen(*args, umask=None):
    def pre():
        if umask is not None:
            os.umask(umask)
    return subprocess.run([KEYGEN] + list(args), capture_output=True, text=True,
                          preexec_fn=pre, timeout=120)


def zone_strings(path):
    with open(path) as f:
        line = f.read()
    body = line[line.index('(') + 1:line.index(')')]
    return line, re.findall(r'"([^"]*)"', body)


def one_string(stdout):
    """The record printed on its own line after 'as one string:'."""
    lines = stdout.splitlines()
    for i, l in enumerate(lines):
        if l.endswith('as one string:'):
            return lines[i + 1]
    return None


def openssl_pub_der(path):
    return subprocess.run(['openssl', 'pkey', '-in', path, '-pubout', '-outform', 'DER'],
                          capture_output=True, check=True).stdout


def tags(rec):
    return dict((k.strip(), v.strip()) for k, v in
                (t.split('=', 1) for t in rec.split(';') if t.strip()))


def test_generate(d, alg, bits, sel, extra=()):
    args = ['-d', 'example.net', '-s', sel, '-D', d] + list(extra)
    if alg:
        args += ['-a', alg]
    if bits:
        args += ['-b', str(bits)]
    r = keygen(*args, umask=0)
    check(r.returncode == 0, '%s: exit 0 (%s)' % (sel, r.stderr.strip()))
    if r.returncode != 0:
        return None
    priv = os.path.join(d, sel + '.private')
    st = os.stat(priv)
    check(stat.S_IMODE(st.st_mode) == 0o600, '%s: private key mode 0600 under umask 0' % sel)
    with open(priv) as f:
        pem = f.read()
    check(pem.startswith('-----BEGIN PRIVATE KEY-----'), '%s: PKCS#8 PEM' % sel)
    line, strings = zone_strings(os.path.join(d, sel + '.txt'))
    check(line.startswith(sel + '._domainkey\tIN\tTXT\t( "v=DKIM1; '), '%s: zone line form' % sel)
    check(all(len(s) <= 255 for s in strings), '%s: every string <= 255' % sel)
    single = one_string(r.stdout)
    check(single is not None and ''.join(strings) == single,
          '%s: strings join to the one-string record' % sel)
    t = tags(single)
    der = openssl_pub_der(priv)
    if alg == 'ed25519':
        check(t.get('k') == 'ed25519', '%s: k=ed25519' % sel)
        check(base64.b64decode(t['p']) == der[-32:], '%s: p= is the raw 32-byte key' % sel)
    else:
        check(t.get('k') == 'rsa', '%s: k=rsa' % sel)
        check(base64.b64decode(t['p']) == der, '%s: p= is the SubjectPublicKeyInfo' % sel)
        out = subprocess.run(['openssl', 'pkey', '-in', priv, '-noout', '-text'],
                             capture_output=True, text=True).stdout
        check('(%d bit' % (bits or 2048) in out, '%s: %d bits' % (sel, bits or 2048))
    entry = '{ domain = "example.net"; selector = "%s"; key = "%s"; }' % (
        sel, os.path.realpath(priv))
    check(entry in r.stdout, '%s: dkim.keys entry printed' % sel)
    return priv, single


def test_refusals(d):
    for bits in ('512', '1023', '4097', 'x'):
        r = keygen('-d', 'example.net', '-s', 'small', '-D', d, '-b', bits)
        check(r.returncode == 64 and 'usage' in r.stderr, 'RSA -b %s refused (exit 64)' % bits)
    check(not os.path.exists(os.path.join(d, 'small.private')), 'no file left by refusals')
    for dom, sel in (('bad_domain..net', 'a'), ('example.net', '../etc'), ('example.net', 'a/b'),
                     ('localhost', 'a'), ('example.net', 'sel_1'), ('_dmarc.example.net', 'a'),
                     ('192.0.2.1', 'a')):
        r = keygen('-d', dom, '-s', sel, '-D', d)
        check(r.returncode == 64 and 'invalid' in r.stderr,
              'bad name -d %s -s %s refused (%s)' % (dom, sel, r.stderr.strip()))
    check(not os.path.exists(os.path.join(d, 'sel_1.private')), "'_' in a selector: no key")
    r = keygen('-d', 'example.net', '-s', '.'.join(['a' * 60] * 4), '-D', d)
    check(r.returncode == 64 and '253' in r.stderr, 'SELECTOR._domainkey.DOMAIN over 253 refused')
    r = keygen('-s', 'x', '-D', d)
    check(r.returncode == 64, 'missing -d refused')
    r = keygen('-d', 'example.net', '-s', 'x', '-D', os.path.join(d, 'nodir'))
    check(r.returncode == 5 and 'nodir' in r.stderr, 'missing directory named in the error')


def test_no_overwrite(d):
    priv = os.path.join(d, 'keep.private')
    with open(priv, 'w') as f:
        f.write('precious')
    r = keygen('-d', 'example.net', '-s', 'keep', '-D', d)
    check(r.returncode == 5 and priv in r.stderr, 'existing key: exit 5 naming the file')
    with open(priv) as f:
        check(f.read() == 'precious', 'existing key untouched')
    check(not os.path.exists(os.path.join(d, 'keep.txt')), 'no .txt written beside it')
    txt = os.path.join(d, 'keep2.txt')
    open(txt, 'w').close()
    r = keygen('-d', 'example.net', '-s', 'keep2', '-D', d)
    check(r.returncode == 5 and not os.path.exists(os.path.join(d, 'keep2.private')),
          'existing .txt: refused, no private key left')
    os.symlink('/nonexistent-target', os.path.join(d, 'link.private'))
    r = keygen('-d', 'example.net', '-s', 'link', '-D', d)
    check(r.returncode == 5 and not os.path.exists('/nonexistent-target'),
          'dangling symlink as key path: refused, not followed')


def test_ed25519_bits_ignored(d):
    """-b is not used for Ed25519 (the page): accepted with a note."""
    r = keygen('-d', 'example.net', '-s', 'edbits', '-a', 'ed25519', '-b', '2048', '-D', d)
    check(r.returncode == 0 and 'note: -b is not used for Ed25519' in r.stderr and
          os.path.exists(os.path.join(d, 'edbits.private')),
          '-b with Ed25519: key made, note printed (%d %s)' % (r.returncode, r.stderr.strip()))


def test_command_line():
    for opt in ('-h', '--help'):
        r = keygen(opt)
        lines = [l.strip() for l in r.stdout.splitlines()]
        check(r.returncode == 0 and r.stdout.startswith('usage: milterkit-keygen'),
              '%s: usage on stdout, exit 0' % opt)
        for o in ('-d DOMAIN', '-s SELECTOR', '-a rsa|ed25519', '-b BITS', '-D DIR',
                  '--testing', '--no-subdomains', '-c FILE', '--check', '-k KEYFILE',
                  '-h, --help', '-V, --version'):
            check(sum(1 for l in lines if l.startswith(o)) == 1,
                  '%s: one line for %s' % (opt, o))
    for opt in ('-V', '--version'):
        r = keygen(opt)
        check(r.returncode == 0 and re.match(r'milterkit-keygen \d', r.stdout), opt)
    for args in (['-x'], ['--bogus'], ['-d']):
        r = keygen(*args)
        check(r.returncode == 64 and 'usage:' in r.stderr, '%s: exit 64 with usage' % args)


def test_default_selector(d):
    r = keygen('-d', 'example.net', '-D', d, '-a', 'ed25519')
    sel = time.strftime('%Y%m')
    check(r.returncode == 0 and os.path.exists(os.path.join(d, sel + '.private')),
          'default selector is YYYYMM (%s)' % sel)


def test_dkimpy_verifies(priv, record):
    try:
        import dkim
    except ImportError:
        print('skip dkimpy check: python3-dkim missing')
        return
    msg = (b'From: a@example.net\r\nTo: b@example.org\r\nSubject: hi\r\n'
           b'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n')
    with open(priv, 'rb') as f:
        key = f.read()
    sig = dkim.sign(msg, b'rsasel', b'example.net', key,
                    include_headers=[b'From', b'To', b'Subject'])

    def dnsfunc(name, timeout=5):
        return record.encode() if name == b'rsasel._domainkey.example.net.' else None
    check(dkim.verify(sig + msg, dnsfunc=dnsfunc), 'dkimpy signs with the RSA key, '
          'verifies against the printed record')


def main():
    if not os.access(KEYGEN, os.X_OK):
        print('no %s' % KEYGEN)
        return 1
    d = tempfile.mkdtemp(prefix='keygen-test-')
    try:
        res = test_generate(d, None, None, 'rsasel')
        test_generate(d, 'rsa', 1024, 'rsa1024')
        test_generate(d, 'rsa', 4096, 'rsa4096')
        test_generate(d, 'ed25519', None, 'edsel')
        _, rec = test_generate(d, 'ed25519', None, 'flags',
                               ['--testing', '--no-subdomains']) or (None, '')
        check(tags(rec).get('t') == 'y:s', '--testing --no-subdomains give t=y:s')
        _, rec = test_generate(d, 'rsa', 1024, 'tsonly', ['--no-subdomains']) or (None, '')
        check(tags(rec).get('t') == 's', '--no-subdomains gives t=s')
        test_refusals(d)
        test_no_overwrite(d)
        test_default_selector(d)
        test_ed25519_bits_ignored(d)
        test_command_line()
        if res:
            test_dkimpy_verifies(*res)
        r = keygen('-V')
        check(r.returncode == 0 and r.stdout.startswith('milterkit-keygen '), '-V')
        r = keygen('-h')
        check(r.returncode == 0 and '--check' in r.stdout, '-h')
    finally:
        shutil.rmtree(d)
    print('%d failure(s)' % len(FAILS))
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
