"""milterkit-mc, sendmail, seed scenario: the generated sendmail.mc holds
the equivalent of the hand-written lines of the OP25B recipe (submission on
inet and inet6 with M=Ea, as one inet6 daemon where that takes IPv4 too;
AUTH only after STARTTLS, smart host on 587 via the relay mailer, authinfo, milters relay/masq/dkim with F=T), m4 builds a
.cf from it without *** ERROR, the .cf carries those settings, and
`milterkit-mc --check` (sendmail -C sendmail.cf -bt) accepts it.  The
password is in no file but authinfo, which is mode 0600.  The SASL config
sasl/Sendmail.conf.2 (Debian's name) says auxprop with the configured
sasldb."""

import os
import re
import stat

from mktest import Workdir, run_test

from mktest import mcsetup as mc


def dual_stack():
    """True where an IPv6 wildcard socket takes IPv4 too (Linux's default):
    then milterkit-mc gives sendmail one Family=inet6 daemon per port for
    both families, since an inet one beside it could not listen."""
    try:
        with open('/proc/sys/net/ipv6/bindv6only') as f:
            return f.read().strip() == '0'
    except OSError:
        return False


FAMILIES = ['inet6'] if dual_stack() else ['inet', 'inet6']

MC_LINES = [
    r"^FEATURE\(`no_default_msa'\)dnl$",
] + [
    r"^DAEMON_OPTIONS\(`Port=587, Name=MSA, M=Ea, Family=%s'\)dnl$" % f for f in FAMILIES
] + [
    r"^DAEMON_OPTIONS\(`Port=25, Name=MTA, Family=%s'\)dnl$" % FAMILIES[0],
    r"^define\(`confAUTH_MECHANISMS', `PLAIN LOGIN'\)dnl$",
    r"^TRUST_AUTH_MECH\(`PLAIN LOGIN'\)dnl$",
    r"^define\(`confAUTH_OPTIONS', `A,p,y'\)dnl$",
    r"^define\(`confSERVER_CERT', `/.*\.pem'\)dnl$",
    r"^define\(`confSERVER_KEY', `/.*\.key'\)dnl$",
    r"^define\(`SMART_HOST', `\[smtp\.isp\.example\]'\)dnl$",
    r"^define\(`RELAY_MAILER_ARGS', `TCP \$h 587'\)dnl$",
    r"^define\(`ESMTP_MAILER_ARGS', `TCP \$h 587'\)dnl$",
    r"^FEATURE\(`authinfo', `hash /etc/mail/authinfo'\)dnl$",
    r"^FEATURE\(`access_db'",
    r"^define\(`confMILTER_MACROS_CONNECT', `.*\{daemon_name\}",
    r"^define\(`confMILTER_MACROS_ENVFROM', `i, .*\{auth_authen\}.*\{daemon_name\}",
    r"^define\(`confMILTER_MACROS_ENVFROM', `i, \{auth_type\}, \{auth_authen\}",
    r"^INPUT_MAIL_FILTER\(`milterkit-relay', `S=unix:/var/spool/postfix/milterkit/"
    r"relay\.sock, F=T, T=C:10s;S:1m;R:1m;E:5m'\)dnl$",
    r"^MAILER\(`smtp'\)dnl$",
]

CF_LINES = [
    r"^O DaemonPortOptions=Port=587, Name=MSA, M=Ea, Family=%s$" % f for f in FAMILIES
] + [
    r"^O AuthMechanisms=PLAIN LOGIN$",
    r"^O AuthOptions=A,p,y$",
    r"^DSrelay:\[smtp\.isp\.example\]$|^DS\[smtp\.isp\.example\]$",
    r"^Mrelay,[^\n]*\n(\s+[^\n]*\n)*?\s+A=TCP \$h 587$",
    r"^O InputMailFilters=milterkit-relay, milterkit-masq, milterkit-dkim$",
    r"^Xmilterkit-dkim, S=inet:8893@127\.0\.0\.1, F=T, T=C:10s;S:1m;R:1m;E:5m$",
    r"^Kauthinfo hash /etc/mail/authinfo$",
]


def test():
    root = mc.sendmail_tree()
    with Workdir(prefix='milterkit-mc-') as w:
        conf = mc.seed_conf(w)
        out = w.sub('out')
        r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out])
        mc.check(r.returncode == 0, 'generation failed')
        with open(os.path.join(out, 'sendmail.mc')) as f:
            text = f.read()
        for rx in MC_LINES:
            mc.check(re.search(rx, text, re.M), 'sendmail.mc lacks %s' % rx)
        mc.check(not re.search(r'^\s*MASQUERADE_AS\(', text, re.M),
                 'masquerading belongs to the milter')
        order = [m.group(1) for m in re.finditer(
            r"^INPUT_MAIL_FILTER\(`milterkit-(\w+)'", text, re.M)]
        mc.check(order == ['relay', 'masq', 'dkim'], 'milter order %s' % order)
        with open(os.path.join(out, 'sendmail.cf')) as f:
            cf = f.read()
        mc.check('*** ERROR' not in cf, 'm4 error in the .cf')
        for rx in CF_LINES:
            mc.check(re.search(rx, cf, re.M), 'sendmail.cf lacks %s' % rx)
        # Secrets: only in authinfo (base64), which is 0600.
        for name in os.listdir(out):
            p = os.path.join(out, name)
            if os.path.isfile(p):
                with open(p, 'rb') as f:
                    mc.check(mc.PASSWORD.encode() not in f.read(),
                             'password in clear in %s' % name)
        auth = os.path.join(out, 'authinfo')
        mc.check(stat.S_IMODE(os.stat(auth).st_mode) == 0o600, 'authinfo not 0600')
        with open(auth) as f:
            a = f.read()
        mc.check(re.search(r'^AuthInfo:smtp\.isp\.example "U:home@isp\.example" '
                           r'"I:home@isp\.example" "P=[A-Za-z0-9+/=]+" "M:PLAIN LOGIN"$',
                           a, re.M), 'authinfo line: %r' % a)
        if os.path.exists(auth + '.db'):
            mc.check(stat.S_IMODE(os.stat(auth + '.db').st_mode) == 0o600,
                     'authinfo.db not 0600')
        with open(os.path.join(out, 'sasl/Sendmail.conf.2')) as f:
            sasl = [l for l in f.read().splitlines() if l and not l.startswith('#')]
        mc.check(sasl == ['pwcheck_method: auxprop', 'auxprop_plugin: sasldb',
                          'sasldb_path: %s' % os.path.join(w.path, 'sasldb2'),
                          'mech_list: PLAIN LOGIN'], 'Sendmail.conf.2: %r' % sasl)
        # sendmail itself accepts the .cf.
        r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out, '--check'],
                      sendmail_check=True, work=w, env=mc.sasl_env(w))
        mc.check(r.returncode == 0 and not mc.errors(r.stderr), '--check failed')
        mc.check('sendmail accepts' in r.stderr, 'no verdict from --check')
        # Nothing changed since the files were written.
        r = mc.run_mc(['-c', conf, '--mta-root', root, '-o', out, '--diff'])
        mc.check(r.returncode == 0 and r.stdout == '', '--diff not empty: %s' % r.stdout)


run_test(test)
