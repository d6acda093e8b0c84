"""milterkit-mc --check catches broken configurations with messages in the
user's terms and exit 1, writing nothing: a smart host port of 465 with
STARTTLS, a port out of range (FILE:LINE), implicit TLS with sendmail (which
has no client-side 465), a missing certificate file, a key that does not
belong to the certificate, an unreadable password file, and no certificate
at all; and m4's "*** ERROR" (exit status 0) in a broken template.""" 

import os
import re
import shutil

from mktest import Workdir, run_test

from mktest import mcsetup as mc

AUTH = 'auth = { user = "u"; password_file = "%s"; };'


def cases(w, cert, key, other_key):
    pw = os.path.join(w.path, 'smarthost.secret')
    return [
        # (name, seed_conf keyword arguments, expected message regex)
        ('port 465 with STARTTLS',
         dict(smarthost='host = "smtp.isp.example"; port = 465; ' + AUTH % pw),
         r'error: mta\.smarthost\.port: 465 .*implicit TLS.*587'),
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
         r'error: mta\.smarthost\.tls: sendmail 8\.17 cannot use implicit TLS'),
        ('missing certificate file',
         dict(cert='/nonexistent/milterkit/cert.pem', key=key),
         r'error: mta\.submission\.tls\.cert: /nonexistent/milterkit/cert\.pem: '
         r'no such file'),
        ('key of another certificate',
         dict(cert=cert, key=other_key),
         r'error: mta\.submission\.tls\.key: .*: does not belong to the certificate'),
        ('missing password file',
         dict(smarthost='host = "smtp.isp.example"; '
                        + AUTH % '/nonexistent/smarthost.secret'),
         r'error: mta\.smarthost\.auth\.password_file: /nonexistent/smarthost\.secret: '
         r'No such file'),
        ('no certificate at all',
         dict(tls=False),
         r'error: mta\.submission\.tls\.cert: not set.*--make-cert'),
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
                          sendmail_check=True, work=w)
            ok = r.returncode == 1 and re.search(rx, r.stderr) and os.listdir(out) == []
            mc.log('%s: %s' % ('ok' if ok else 'FAILED', name))
            if not ok:
                failed.append(name)
        mc.check(not failed, 'not caught as expected: %s' % ', '.join(failed))
        m4_error(w, root)


def m4_error(w, root):
    """A FEATURE after MAILER: m4 says *** ERROR and exits 0."""
    tdir = w.sub('templates')
    src = os.path.join(mc.srcdir(), 'tools/mc')
    for n in ('sendmail.mc.tmpl', 'main.cf.tmpl', 'master.cf.tmpl'):
        shutil.copy(os.path.join(src, n), tdir)
    with open(os.path.join(tdir, 'sendmail.mc.tmpl'), 'a') as f:
        f.write("FEATURE(`use_cw_file')dnl\n")
    conf = mc.seed_conf(w, name='m4/milterkit.conf')
    out = w.sub('m4out')
    r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out, '--templates', tdir])
    mc.check(r.returncode == 1 and re.search(r'error: m4 sendmail\.mc failed', r.stderr)
             and '*** ERROR' in r.stderr, 'm4 *** ERROR not caught')
    mc.check(os.listdir(out) == [], 'files written despite the m4 error')


run_test(test)
