"""The whole OP25B pipeline on a real sendmail 8.17, configured by
milterkit-mc from one milterkit.conf that the three milters read too: a
roaming client submits on the generated MSA daemon (M=Ea: AUTH required;
AUTH offered only after STARTTLS; PLAIN and LOGIN) as
roamer@laptop.home.example.net; sendmail runs milterkit-relay,
milterkit-masq and milterkit-dkim in that order (F=T) and relays through a
fake ISP relay demanding STARTTLS and AUTH, with the generated authinfo map.
The message the ISP receives is masqueraded (envelope and From:
roamer@example.net), carries a DKIM-Signature for example.net that dkimpy
verifies, and came with AUTH.  The generated sendmail.mc is used as it is,
except for what a private sendmail on loopback needs (the harness' paths
and ports)."""

import importlib.util
import os
import smtplib
import subprocess

from harness import Skip, Workdir, builddir, free_port, run_test, wait_port
from mta import Milter, Sendmail, require_sendmail
from sink import Sink
from testdns import TestDNS

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('mclib', os.path.join(_here, 'mc-lib.py'))
mc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mc)

ROAMER, ROAMER_PW = 'roamer', 'r0aming-pw'
NAMES = ('relay', 'masq', 'dkim')
OURS = ('SMART_HOST', 'RELAY_MAILER_ARGS', 'ESMTP_MAILER_ARGS', 'SMTP_MAILER_ARGS',
        'confDOMAIN_NAME')

CONF = """\
site: {{ domain = "example.net"; hostname = "mail.example.net";
  internal_networks = ["10.255.255.0/24"]; user = "nobody";
  submission_daemons = ["MSA", "ORIGINATING"];
  dns = {{ servers = ["{dns}"]; timeout = 2; }}; }};
relay: {{ socket = "inet:{relay}@127.0.0.1"; pidfile = "{w}/relay.pid";
  local_domains = ["example.net"]; }};
masq: {{ socket = "inet:{masq}@127.0.0.1"; pidfile = "{w}/masq.pid";
  as = "example.net"; domains = ["home.example.net"]; entire_domain = true;
  envelope = true; }};
dkim: {{ socket = "inet:{dkim}@127.0.0.1"; pidfile = "{w}/dkim.pid";
  keys = ( {{ domain = "example.net"; selector = "s1"; key = "{key}"; }} ); }};
mta: {{ flavor = "sendmail"; config_dir = "{etc}"; smtp = {{ families = ["inet"]; }};
  submission = {{ families = ["inet"]; sasl_pwcheck = "auxprop";
    tls = {{ cert = "{cert}"; key = "{certkey}"; }}; }};
  smarthost = {{ host = "127.0.0.1"; port = {isp};
    auth = {{ user = "{user}"; password_file = "{pw}"; }}; }}; }};
"""


class GeneratedSendmail(Sendmail):
    """A private sendmail running the generated sendmail.mc, its Cyrus SASL
    directory bind-mounted on /usr/lib/sasl2 in its own mount namespace."""

    def __init__(self, generated_mc, sub_port, sasl_dir, *a, **kw):
        super().__init__(*a, **kw)
        self.generated = generated_mc
        self.sub_port = sub_port
        self.sasl_dir = sasl_dir

    def mc_text(self):
        harness = super().mc_text().splitlines()
        env = [l for l in harness if (l.startswith("define(`") and
                                      l.split("'")[0][8:] not in OURS)
               or l.startswith("FEATURE(`accept_unresolvable")
               or l.startswith("FEATURE(`nocanonify")]
        out = []
        for line in self.generated.splitlines():
            if line.startswith('DAEMON_OPTIONS('):
                port = self.sub_port if 'Name=MSA' in line else self.port
                line = line.replace('Port=587', 'Port=%d' % port).replace(
                    'Port=25,', 'Port=%d,' % port).replace(
                    'Family=inet', 'Addr=127.0.0.1, Family=inet')
            out.append(line)
            if line.startswith('OSTYPE('):
                out += env
        return '\n'.join(out) + '\n'

    def _ns(self, argv):
        wrapped = ['sh', '-c', 'mount --bind "$0" /usr/lib/sasl2 && exec "$@"',
                   self.sasl_dir] + list(argv)
        return super()._ns(wrapped)


def binaries():
    out = {}
    for n in NAMES:
        p = os.path.join(builddir(), 'milters/%s/milterkit-%s' % (n, n))
        if not os.access(p, os.X_OK):
            raise Skip('%s not built' % p)
        out[n] = p
    return out


def auth_before_starttls(port):
    s = smtplib.SMTP('127.0.0.1', port, timeout=30)
    try:
        s.ehlo('laptop.example.org')
        return s.has_extn('auth')
    finally:
        s.quit()


def test():
    mc.tool()
    root = mc.sendmail_tree()
    require_sendmail()
    if not os.path.isdir('/usr/lib/sasl2'):
        raise Skip('/usr/lib/sasl2 missing (nothing to bind-mount on)')
    bins = binaries()
    with Workdir(prefix='milterkit-mc-') as w:
        cert, certkey = mc.make_cert(w)
        key, record = mc.dkim_key(w)
        etc = w.sub('etc-mail')
        isp = mc.IspRelay(cert, certkey)
        ports = {n: free_port() for n in NAMES}
        with TestDNS() as dns, Sink(**isp.kwargs()) as sink:
            dns.txt('s1._domainkey.example.net', record)
            dns.start()
            pw = w.file('smarthost.secret', mc.PASSWORD + '\n', mode=0o600)
            conf = w.file('milterkit.conf', CONF.format(
                dns=dns.server, w=w.path, key=key, etc=etc, cert=cert,
                certkey=certkey, isp=sink.port, user=mc.ISP_USER, pw=pw, **ports))
            r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', etc])
            mc.check(r.returncode == 0, 'generation failed')
            with open(os.path.join(etc, 'sendmail.mc')) as f:
                generated = f.read()
            sasldb = os.path.join(w.path, 'sasldb2')
            subprocess.run(['saslpasswd2', '-p', '-c', '-f', sasldb, '-u',
                            'mail.example.net', ROAMER], input=ROAMER_PW.encode(),
                           check=True)
            os.chmod(sasldb, 0o644)
            sasl_dir = w.sub('sasl2')
            with open(os.path.join(etc, 'sasl/Sendmail.conf')) as f:
                sasl = f.read()
            w.file('sasl2/Sendmail.conf', sasl + 'sasldb_path: %s\n' % sasldb)
            sub_port = free_port()
            milters = [Milter([bins[n], '-f', '-c', conf], port=ports[n],
                              name='milterkit-' + n) for n in NAMES]
            try:
                for m in milters:
                    m.start()
                with GeneratedSendmail(generated, sub_port, sasl_dir, sink.port) as sm:
                    wait_port(sub_port, proc=sm.proc, what='MSA daemon')
                    try:
                        mc.check(not auth_before_starttls(sub_port),
                                 'AUTH offered before STARTTLS')
                        msgs = mc.roam(sub_port, sink, ROAMER, ROAMER_PW)
                    finally:
                        mc.log('sendmail log:\n' + sm.log()[-8000:])
            finally:
                for m in milters:
                    mc.log('%s log:\n%s' % (m.name, m.log()[-3000:]))
                    m.stop()
            mc.check_received(msgs, record)

run_test(test)
