"""milterkit-mc --check catches broken configurations with messages in the
user's terms, each naming the FILE:LINE of the setting, and exit 1, writing
nothing: a smart host port of 465 with STARTTLS, a port out of range,
implicit TLS with sendmail (which has no client-side 465), a missing
certificate file, a key that does not belong to the certificate, an
unreadable password file, no certificate at all, no SASL user database;
m4's "*** ERROR" (exit status 0) in a broken template.  And all of them at
once: a configuration with several independent errors gets every one
reported in one run, each with its FILE:LINE, as do several errors of the
loader (a value out of range, an unknown key, a bad milter socket)."""

import os
import re
import shutil

from mktest import Workdir, run_test

from mktest import mcsetup as mc

AUTH = 'auth = { user = "u"; password_file = "%s"; };'
AT = r'error: \S*milterkit\.conf:\d+: '


def cases(w, cert, key, other_key):
    pw = os.path.join(w.path, 'smarthost.secret')
    return [
        # (name, seed_conf keyword arguments, expected message regex)
        ('port 465 with STARTTLS',
         dict(smarthost='host = "smtp.isp.example"; port = 465; ' + AUTH % pw),
         AT + r'mta\.smarthost\.port: 465 .*implicit TLS.*587'),
        ('port out of range',
         dict(smarthost='host = "smtp.isp.example"; port = 70000; ' + AUTH % pw),
         r'milterkit\.conf:\d+: mta\.smarthost\.port: 70000 is out of range'),
        ('host with a port',
         dict(smarthost='host = "smtp.isp.example:587"; ' + AUTH % pw),
         r'milterkit\.conf:\d+: mta\.smarthost\.host: a host name only; put the port '
         r'in smarthost\.port'),
        ('implicit TLS with sendmail',
         dict(smarthost='host = "smtp.isp.example"; port = 465; tls = "implicit"; '
                        + AUTH % pw),
         AT + r'mta\.smarthost\.tls: sendmail 8\.17 cannot use implicit TLS'),
        ('missing certificate file',
         dict(cert='/nonexistent/milterkit/cert.pem', key=key),
         AT + r'mta\.submission\.tls\.cert: /nonexistent/milterkit/cert\.pem: '
         r'no such file'),
        ('key of another certificate',
         dict(cert=cert, key=other_key),
         AT + r'mta\.submission\.tls\.key: .*: does not belong to the certificate'),
        ('missing password file',
         dict(smarthost='host = "smtp.isp.example"; '
                        + AUTH % '/nonexistent/smarthost.secret'),
         AT + r'mta\.smarthost\.auth\.password_file: /nonexistent/smarthost\.secret: '
         r'No such file'),
        ('no certificate at all',
         dict(tls=False),
         r'error: \S*milterkit\.conf: mta\.submission\.tls\.cert: not set.*--make-cert'),
        ('no SASL user database',
         dict(sasldb='/nonexistent/sasldb2'),
         AT + r'mta\.submission\.sasldb: /nonexistent/sasldb2: No such file.*'
         r'saslpasswd2 -c -u mail\.example\.net USER -f /nonexistent/sasldb2'),
    ]


def test():
    root = mc.sendmail_tree()
    with Workdir(prefix='milterkit-mc-') as w:
        cert, key = mc.make_cert(w)
        _, other_key = mc.make_cert(w, 'other')
        mc.seed_conf(w)  # writes the password file
        failed = []
        for i, (name, kw, rx) in enumerate(cases(w, cert, key, other_key)):
            kw.setdefault('cert', cert)
            kw.setdefault('key', key)
            conf = mc.seed_conf(w, name='case%d/milterkit.conf' % i, **kw)
            out = w.sub('out%d' % i)
            r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out, '--check'],
                          sendmail_check=True, work=w, env=mc.sasl_env(w))
            ok = r.returncode == 1 and re.search(rx, r.stderr) and os.listdir(out) == []
            mc.log('%s: %s' % ('ok' if ok else 'FAILED', name))
            if not ok:
                failed.append(name)
        mc.check(not failed, 'not caught as expected: %s' % ', '.join(failed))
        m4_error(w, root)
        all_at_once(w, root, cert, key)
        loader_all_at_once(w, root)


def line_of(text, rx):
    """The line number of the first line of TEXT matching regex RX."""
    for n, line in enumerate(text.splitlines(), 1):
        if re.search(rx, line):
            return n
    raise AssertionError('no line matches %s' % rx)


def broken_templates(w):
    """The templates, with a FEATURE after MAILER: m4 says *** ERROR and
    exits 0."""
    tdir = w.sub('templates')
    src = os.path.join(mc.srcdir(), 'tools/mc')
    for n in ('sendmail.mc.tmpl', 'main.cf.tmpl', 'master.cf.tmpl'):
        shutil.copy(os.path.join(src, n), tdir)
    with open(os.path.join(tdir, 'sendmail.mc.tmpl'), 'a') as f:
        f.write("FEATURE(`use_cw_file')dnl\n")
    return tdir


def all_at_once(w, root, cert, key):
    """Five independent problems, one run: every one reported, the
    settings' ones with the FILE:LINE of their key."""
    conf = mc.seed_conf(
        w, name='many/milterkit.conf', cert='/nonexistent/cert.pem', key=key,
        sasldb='/nonexistent/sasldb2',
        smarthost='host = "smtp.isp.example"; port = 465;\n'
                  '    auth = { user = "u";\n'
                  '             password_file = "/nonexistent/secret"; };')
    text = open(conf).read()
    out = w.sub('many-out')
    r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out, '--check',
                   '--templates', broken_templates(w)], sendmail_check=True, work=w,
                  env={'MILTERKIT_MC_SASL_PATH': w.sub('empty-sasl-path')})
    want = [
        r'error: %s:%d: mta\.smarthost\.port: 465 ' % (re.escape(conf),
                                                      line_of(text, r'port = 465')),
        r'error: %s:%d: mta\.smarthost\.auth\.password_file: /nonexistent/secret: '
        % (re.escape(conf), line_of(text, r'password_file')),
        r'error: %s:%d: mta\.submission\.tls\.cert: /nonexistent/cert\.pem: no such file'
        % (re.escape(conf), line_of(text, r'cert = ')),
        r'error: %s:%d: mta\.submission\.sasldb: /nonexistent/sasldb2: '
        % (re.escape(conf), line_of(text, r'sasldb = ')),
        r'error: m4 sendmail\.mc: .*\*\*\* ERROR',
    ]
    missing = [rx for rx in want if not re.search(rx, r.stderr)]
    mc.check(r.returncode == 1 and not missing, 'not all reported: %s' % missing)
    mc.check(re.search(r'milterkit-mc: [5-9] errors, \d+ warnings?; nothing written',
                       r.stderr), 'no summary')
    mc.check(os.listdir(out) == [], 'files written despite the errors')


def loader_all_at_once(w, root):
    """The loader's errors and the milter sections' ones, in one run."""
    conf = w.file('loader/milterkit.conf', """\
site: { domain = "example.net"; hostname = "mail.example.net"; };
relay: { socket = "unix:/run/has space.sock"; };
mta: {
  smarthost = { host = "smtp.isp.example";
    port = 70000; };
  submission = { hots = "x"; };
};
""")
    r = mc.run_mc(['-c', conf, '--mta-root', root, '--check'])
    want = [r'error: %s:5: mta\.smarthost\.port: 70000 is out of range' % re.escape(conf),
            r'error: %s:6: mta\.submission\.hots: unknown key' % re.escape(conf),
            r'error: %s:2: relay\.socket: ' % re.escape(conf)]
    missing = [rx for rx in want if not re.search(rx, r.stderr)]
    mc.check(r.returncode == 1 and not missing, 'not all reported: %s' % missing)


def m4_error(w, root):
    """A FEATURE after MAILER: m4 says *** ERROR and exits 0."""
    conf = mc.seed_conf(w, name='m4/milterkit.conf')
    out = w.sub('m4out')
    r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out, '--templates',
                   broken_templates(w)])
    mc.check(r.returncode == 1 and re.search(r'error: m4 sendmail\.mc: .*\*\*\* ERROR',
                                             r.stderr), 'm4 *** ERROR not caught')
    mc.check(os.listdir(out) == [], 'files written despite the m4 error')


run_test(test)
