"""mktest.mcsetup - what the milterkit-mc tests (tests/e2e/mc-*.py) share.

  tool(), sendmail_tree(), postfix_tree(): paths, Skip when missing;
  seed_conf(work, ...): the seed scenario's milterkit.conf (example.net,
      submission on inet and inet6, smarthost smtp.isp.example:587 with AUTH,
      the SASL users in a private sasldb);
  make_sasldb(work, users): a private Cyrus SASL user database;
  sasl_env(work, config_dir): a private Cyrus SASL search path for the
      sendmail checks (MILTERKIT_MC_SASL_PATH), linked as Debian does;
  run_mc(args, ...): runs milterkit-mc, in a private UTS namespace with a
      qualified host name when sendmail will be run (it sleeps 60 s on an
      unqualified one);
  postfix_base(work): a main.cf/master.cf pointing at the unpacked Postfix,
      standing in for /etc/postfix.
"""

import os
import shutil
import socket
import subprocess

from . import Skip, builddir, e2e_root, have_private_ns, log, private_ns_argv, smtp_quit, srcdir

PASSWORD = 'S3cr3t pass"word'
REALM = 'mail.example.net'
ROAMERS = {'roamer': 'r0aming-pw'}

MILTER_SECTIONS = """\
relay: {{ socket = "unix:{queue}/milterkit/relay.sock"; }};
masq: {{ socket = "unix:{queue}/milterkit/masq.sock"; as = "example.net"; }};
dkim: {{ socket = "inet:8893@127.0.0.1"; }};"""


def require_e2e():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')


def tool():
    require_e2e()
    p = os.path.join(builddir(), 'tools/mc/milterkit-mc')
    if not os.access(p, os.X_OK):
        raise Skip('%s not built' % p)
    return p


def sendmail_tree():
    root = os.path.join(e2e_root(), 'sendmail')
    if not os.path.isfile(os.path.join(root, 'usr/share/sendmail/cf/m4/cf.m4')):
        raise Skip('sendmail not unpacked in %s: run tests/e2e/prepare.sh' % root)
    return root


def postfix_tree():
    root = os.path.join(e2e_root(), 'postfix')
    if not os.access(os.path.join(root, 'usr/sbin/postconf'), os.X_OK):
        raise Skip('postfix not unpacked in %s: run tests/e2e/prepare.sh' % root)
    return root


def make_cert(work, name='cert'):
    """A self-signed certificate and key (0600) in WORK; returns paths."""
    cert = os.path.join(work.path, name + '.pem')
    key = os.path.join(work.path, name + '.key')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                    '-days', '30', '-subj', '/CN=mail.example.net',
                    '-keyout', key, '-out', cert], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)
    return cert, key


def make_sasldb(work, users=None, name='sasldb2'):
    """A Cyrus SASL user database WORK/NAME with USERS (default ROAMERS) in
    the realm mail.example.net, owner root, group nogroup (the private
    Postfix's mail_owner is nobody), mode 0640; returns its path."""
    tool = shutil.which('saslpasswd2') or '/usr/sbin/saslpasswd2'
    if not os.access(tool, os.X_OK):
        raise Skip('saslpasswd2 not installed (sasl2-bin)')
    db = os.path.join(work.path, name)
    for user, pw in (users or ROAMERS).items():
        subprocess.run([tool, '-p', '-c', '-f', db, '-u', REALM, user],
                       input=pw.encode(), check=True, timeout=30)
    os.chown(db, 0, 65534)
    os.chmod(db, 0o640)
    return db


def sasl_env(work, config_dir='/etc/mail'):
    """The environment for milterkit-mc that makes WORK/sasl-path the whole
    Cyrus SASL search path, with Sendmail.conf linked to
    CONFIG_DIR/sasl/Sendmail.conf.2 as Debian's update_auth links
    /usr/lib/sasl2/Sendmail.conf (sendmail reads that link)."""
    d = work.sub('sasl-path')
    link = os.path.join(d, 'Sendmail.conf')
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.join(config_dir, 'sasl/Sendmail.conf.2'), link)
    return {'MILTERKIT_MC_SASL_PATH': d}


def seed_conf(work, flavor='sendmail', cert=None, key=None, smarthost=None,
              mta_extra='', config_dir=None, tls=True, name='milterkit.conf',
              milters=True, submission_extra='', queue='/var/spool/postfix',
              sasldb=None):
    """Writes the seed scenario's config into WORK; returns its path.
    SMARTHOST overrides the smarthost group's body; without MILTERS the
    relay, masq and dkim sections are left out; the unix sockets of relay
    and masq are below QUEUE (Postfix's chroot); SASLDB (default: a private
    one, made once) holds the SASL users."""
    pw = work.file('smarthost.secret', PASSWORD + '\n', mode=0o600)
    if sasldb is None:
        sasldb = os.path.join(work.path, 'sasldb2')
        if not os.path.exists(sasldb):
            make_sasldb(work)
    if tls and cert is None:
        cert, key = make_cert(work)
    tls_group = ('tls = { cert = "%s"; key = "%s"; };' % (cert, key)
                 if tls else '')
    if smarthost is None:
        smarthost = ('host = "smtp.isp.example"; port = 587;\n'
                     '    auth = { user = "home@isp.example"; '
                     'password_file = "%s"; };' % pw)
    conf = """\
site: { domain = "example.net"; hostname = "mail.example.net";
  internal_networks = ["127.0.0.0/8", "::1/128", "192.168.0.0/16"];
  submission_daemons = ["MSA", "ORIGINATING"]; };
%s
mta: { flavor = "%s"; %s
  submission = { port = 587; families = ["inet", "inet6"];
    auth_mechanisms = ["PLAIN", "LOGIN"]; sasldb = "%s"; %s %s };
  smarthost = { %s };
  %s
};
""" % (MILTER_SECTIONS.format(queue=queue) if milters else '', flavor,
       'config_dir = "%s";' % config_dir if config_dir else '',
       sasldb, tls_group, submission_extra, smarthost, mta_extra)
    return work.file(name, conf)


def run_mc(args, sendmail_check=False, work=None, timeout=240, env=None):
    """Runs milterkit-mc ARGS (templates from the source tree); returns a
    CompletedProcess with text stdout/stderr."""
    argv = [tool(), '--templates', os.path.join(srcdir(), 'tools/mc')] + list(args)
    e = dict(os.environ)
    e.update(env or {})
    if sendmail_check and '.' not in socket.gethostname():
        if have_private_ns() and work is not None:
            argv, add = private_ns_argv(argv, work.path, 'mail.example.net')
            e.update(add)
        else:
            log('host name unqualified and no private namespace: '
                'sendmail will sleep 60 s')
    log('run:', ' '.join(args))
    r = subprocess.run(argv, env=e, capture_output=True, text=True,
                       timeout=timeout, start_new_session=True)
    if r.stdout:
        log('stdout:\n' + r.stdout)
    if r.stderr:
        log('stderr:\n' + r.stderr)
    return r


def postfix_base(work):
    """A Postfix config dir (main.cf, master.cf) for the unpacked tree, with
    its queue and data directories; returns the config dir."""
    from . import mta

    class _W:
        path = work.path
    root = postfix_tree()
    p = mta.Postfix(sink_port=2525)
    p.libdir = os.path.join(root, 'usr/lib/postfix')
    p.work = _W()
    p.queue_dir = work.sub('spool')
    p.config_dir = work.sub('etc')
    data = work.sub('data')
    os.chown(data, 65534, -1)
    work.file('etc/main.cf', ''.join('%s = %s\n' % kv
                                     for kv in p.settings().items()))
    work.file('etc/master.cf', mta.POSTFIX_MASTER_CF.format(
        listen='127.0.0.1:%d' % 2526))
    return p.config_dir


def postfix_env():
    return {'LD_LIBRARY_PATH': os.path.join(postfix_tree(), 'usr/lib/postfix')}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def errors(stderr):
    return [l for l in stderr.splitlines() if 'error:' in l]


# ------------------------------------------------ the OP25B pipeline pieces

ISP_USER = 'home@isp.example'


class IspRelay:
    """Keyword arguments for sink.Sink making it an ISP relay that demands
    STARTTLS and AUTH (ISP_USER / self.password)."""

    def __init__(self, cert, key, password=PASSWORD):
        import ssl
        self.password = password
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(cert, key)

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword
        ok = (isinstance(auth_data, LoginPassword) and
              auth_data.login == ISP_USER.encode() and
              auth_data.password == self.password.encode())
        return AuthResult(success=ok, handled=False,
                          auth_data=auth_data if ok else None)

    def kwargs(self):
        return dict(tls_context=self.ctx, require_starttls=True,
                    authenticator=self.authenticator, auth_require_tls=True,
                    auth_required=True)


def submit_auth(port, login, password, mail_from, rcpts, data,
                mechanism='PLAIN'):
    """Submission as a roaming client: EHLO, STARTTLS, EHLO, AUTH, send."""
    import smtplib
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = smtplib.SMTP('127.0.0.1', port, timeout=60)
    try:
        s.ehlo('laptop.example.org')
        s.starttls(context=ctx)
        s.ehlo('laptop.example.org')
        s.user, s.password = login, password
        code, resp = s.auth(mechanism, getattr(s, 'auth_' + mechanism.lower()),
                            initial_response_ok=True)
        check(code == 235, 'AUTH %s: %d %s' % (mechanism, code, resp))
        return s.sendmail(mail_from, rcpts, data)
    finally:
        smtp_quit(s)


def dkim_key(work, bits=2048):
    """An RSA key file (0600) and its DKIM key record."""
    import base64
    key = os.path.join(work.path, 'dkim.private')
    subprocess.run(['openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt',
                    'rsa_keygen_bits:%d' % bits, '-out', key], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)
    der = subprocess.run(['openssl', 'pkey', '-in', key, '-pubout', '-outform', 'DER'],
                         check=True, capture_output=True).stdout
    return key, 'v=DKIM1; k=rsa; p=' + base64.b64encode(der).decode()


def dkimpy_verify(data, record):
    """True when dkimpy verifies the first DKIM-Signature of DATA (bytes)
    with RECORD as the key (no DNS)."""
    import dkim
    return dkim.verify(data, dnsfunc=lambda name, timeout=5: record.encode(),
                       minkey=1024)

