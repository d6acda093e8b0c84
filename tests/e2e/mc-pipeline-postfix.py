"""The whole OP25B pipeline on a real Postfix 3.7, configured by milterkit-mc
from one milterkit.conf that the three milters read too: a roaming client
submits on the generated submission service (STARTTLS, AUTH PLAIN and
LOGIN) as roamer@laptop.home.example.net; Postfix runs milterkit-relay,
milterkit-masq and milterkit-dkim in that order and relays through a fake
ISP relay demanding STARTTLS and AUTH (the generated sasl_passwd).  The
message the ISP receives is masqueraded (envelope and From:
roamer@example.net), carries a DKIM-Signature for example.net that dkimpy
verifies, and came with AUTH."""

import importlib.util
import os
import re
import shutil
import subprocess

from harness import Skip, Workdir, builddir, free_port, run_test, wait_port
from mta import Milter, Postfix, require_postfix
from sink import Sink
from testdns import TestDNS

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('mclib', os.path.join(_here, 'mc-lib.py'))
mc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mc)

ROAMER, ROAMER_PW = 'roamer', 'r0aming-pw'
NAMES = ('relay', 'masq', 'dkim')

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
mta: {{ flavor = "postfix"; config_dir = "{base}";
  submission = {{ families = ["inet"]; sasl_pwcheck = "auxprop";
    tls = {{ cert = "{cert}"; key = "{certkey}"; }}; }};
  smarthost = {{ host = "127.0.0.1"; port = {isp};
    auth = {{ user = "{user}"; password_file = "{pw}"; }}; }};
  postfix = {{ chroot = false; }}; }};
"""


def binaries():
    out = {}
    for n in NAMES:
        p = os.path.join(builddir(), 'milters/%s/milterkit-%s' % (n, n))
        if not os.access(p, os.X_OK):
            raise Skip('%s not built' % p)
        out[n] = p
    return out


def test():
    mc.tool()
    require_postfix()
    root = mc.postfix_tree()
    bins = binaries()
    with Workdir(prefix='milterkit-mc-') as w:
        cert, certkey = mc.make_cert(w)
        key, record = mc.dkim_key(w)
        base = mc.postfix_base(w)
        isp = mc.IspRelay(cert, certkey)
        ports = {n: free_port() for n in NAMES}
        with TestDNS() as dns, Sink(**isp.kwargs()) as sink:
            dns.txt('s1._domainkey.example.net', record)
            dns.start()
            pw = w.file('smarthost.secret', mc.PASSWORD + '\n', mode=0o600)
            conf = w.file('milterkit.conf', CONF.format(
                dns=dns.server, w=w.path, key=key, base=base, cert=cert,
                certkey=certkey, isp=sink.port, user=mc.ISP_USER, pw=pw, **ports))
            r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', base],
                          env=mc.postfix_env())
            mc.check(r.returncode == 0, 'generation failed')
            with open(os.path.join(base, 'milterkit-main.cf')) as f:
                main = dict(re.findall(r'^(\w+) = (.*)$', f.read(), re.M))
            want = ' '.join('inet:127.0.0.1:%d' % ports[n] for n in NAMES)
            mc.check(main['smtpd_milters'] == want, 'milter order %s' % main['smtpd_milters'])
            main.pop('inet_protocols')
            sub_port = free_port()
            with open(os.path.join(base, 'milterkit-master.cf')) as f:
                master = [l.replace('submission', '127.0.0.1:%d' % sub_port, 1)
                          if l.startswith('submission') else l
                          for l in f.read().splitlines() if not l.startswith('#')]
            master.append('tlsmgr    unix  -       -       n       1000?   1       tlsmgr')
            sasldb = os.path.join(w.path, 'sasldb2')
            subprocess.run(['saslpasswd2', '-p', '-c', '-f', sasldb, '-u',
                            'mail.example.net', ROAMER], input=ROAMER_PW.encode(),
                           check=True)
            os.chmod(sasldb, 0o644)
            milters = [Milter([bins[n], '-f', '-c', conf], port=ports[n],
                              name='milterkit-' + n) for n in NAMES]
            try:
                for m in milters:
                    m.start()
                with Postfix(sink.port, main_cf=main, master_cf=master) as pf:
                    os.makedirs(os.path.join(pf.config_dir, 'sasl'), exist_ok=True)
                    with open(os.path.join(base, 'sasl/smtpd.conf')) as f:
                        sasl = f.read()
                    with open(os.path.join(pf.config_dir, 'sasl/smtpd.conf'), 'w') as f:
                        f.write(sasl + 'sasldb_path: %s\n' % sasldb)
                    wait_port(sub_port, proc=pf.proc, what='submission service')
                    try:
                        msgs = mc.roam(sub_port, sink, ROAMER, ROAMER_PW)
                    finally:
                        mc.log('postfix log:\n' + pf.log()[-6000:])
            finally:
                for m in milters:
                    mc.log('%s log:\n%s' % (m.name, m.log()[-3000:]))
                    m.stop()
            mc.check_received(msgs, record)

run_test(test)
