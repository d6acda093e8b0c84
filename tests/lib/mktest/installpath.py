"""mktest.installpath - the README's install section followed word for
word on a fresh Debian 12 machine (mktest.machine), for one MTA: the test
behind tests/e2e/readme-install-postfix.py and -sendmail.py.

    from mktest.installpath import run_install_path
    run_test(lambda: run_install_path('postfix'))

The README is the script (mktest.readme reads it): every command of the
section "Home server behind OP25B" runs as it is written there, the ones
marked for the other MTA left out, in a root shell on the machine, in a
copy of this tree at /root/milterkit ("in the directory of this tree").
What a user does that is not a command, the test does where the README
says it and fails, naming the step, when the README no longer says it:
  - step 2 "Publish the records": the TXT records milterkit-keygen printed
    go into the test DNS, with the rest of example.net's zone (MX, A and
    PTR of mail.example.net, SPF covering the ISP relay, DMARC) and the A
    record of smtp.isp.example;
  - step 3: each `a.b = value;` line is set in /etc/milterkit/milterkit.conf
    (a value the sample already has stays as it is);
  - step 4 "it asks for the password twice": john's password, twice;
  - step 7 "swaks asks for john's password": given to it (swaks reads
    SWAKS_OPT_auth_password from its environment, no prompt);
  - "Rotating the DKIM key": its record published, the dkim.keys entry
    keygen printed put in place of the old RSA key's.

Where it differs from a user's machine, and why:
  - The package is built once per tree, in a machine of its own, by the
    commands of step 1 that come before the install (apt-get build-dep,
    dpkg-buildpackage), with DEB_BUILD_OPTIONS=nocheck, and shared by both
    MTA tests (mktest.readmedeb).  The MTA machine gets the .deb files in
    /root, where dpkg-buildpackage left them, and runs the install command
    itself.
  - Steps 0 and 1 run before the machine boots (apt-get needs the host's
    network, which the booted machine does not have); steps 2 to 7 in the
    booted machine, real systemd as PID 1.
  - "Upgrading": the new version is the same build repacked as version
    VERSION+readme1 with one comment line added to the sample
    milterkit.conf (so that dpkg meets an edited conffile whose sample
    changed, mktest.readmedeb); its build commands, the same as step 1's,
    are not run again.
  - The network: the machine holds mail.example.net (192.0.2.25) and the
    test DNS (unbound, 192.0.2.53, its resolv.conf); the world beyond its
    network card (Machine.outside) holds the roaming laptop (203.0.113.5)
    and the ISP's relay smtp.isp.example (198.51.100.25:587, an aiosmtpd
    server demanding STARTTLS and AUTH, mktest.ispsink), with the user
    that step 3's settings and the password that its command put in the
    configuration.  swaks runs on the host, in the world's network, with a
    resolv.conf naming the test DNS.
Then it checks what the README promises: the message leaves through the
ISP as john@example.net (envelope and From:), over TLS, authenticated as
the configured ISP user, with DKIM signatures of example.net that dkimpy
verifies with the keys in the test DNS; AUTH is needed on 587 and offered
only after STARTTLS; a changed password works after step 4 again; the
rotated key signs the next message; the upgrade keeps the edited
configuration, leaves the new sample as .dpkg-dist and restarts the
milters; milterkit-check exits 0 with every check ok, then names a stopped
milter, a socket the MTA cannot use (Postfix; sendmail connects as root)
and an unpublished key, each with exit status 2 and its fix.  On failure,
the machine's journal is printed; with MILTERKIT_TEST_PAUSE=FILE the
machine then stays up until FILE is removed, for a look inside.
"""

import contextlib
import os
import re
import shlex
import shutil
import smtplib
import ssl
import subprocess
import time

from . import Skip, Workdir, check, log, patience, smtp_quit, top_srcdir, wait_for
from . import conftext
from .machine import Machine, require_machine
from .readme import Section
from .readmedeb import CONF, TREE, build_commands, copy_tree, install_index, package

TITLE = 'Home server behind OP25B: from nothing to signed mail leaving'
MAIL_ADDR = '192.0.2.25'        # mail.example.net, the machine
DNS_ADDR = '192.0.2.53'         # the test DNS, on the machine
ROAMER_ADDR = '203.0.113.5'     # a laptop on the road, outside
ISP_ADDR = '198.51.100.25'      # smtp.isp.example, outside
ROAMER_PW = 'J0hn on the road'
NEW_PW = 'J0hn changed it'
UNITS = ('milterkit-relay', 'milterkit-masq', 'milterkit-dkim')

# The README's sentences the test acts on or asserts (module comment), by
# block; tests/check/readme-install.py checks them without a machine.
PUBLISH = ('2', 'Publish the records')
SETTINGS = ('3', 'put yours in these settings')
PROMPTS = ('4', 'it asks for the password twice')
AGAIN = ('4', 'Run the same commands again to add a user or change a password')
REUSE = ('5', 'once: later runs reuse it')
ALL_OK = ('6', 'it exits 0 when every check is ok')
SWAKS_PROMPT = ('7', "swaks asks for john's password")
LEAVES = ('7', 'It leaves through the ISP as john@example.net with a DKIM-Signature of '
          'example.net')
ROTATION = 'Rotating the DKIM key'
ROT_PUBLISH = (ROTATION, 'Publish its record')
ROT_REPLACE = (ROTATION, "put the dkim.keys entry it printed in place of the old key's in "
               'milterkit.conf')
ROT_NEXT = (ROTATION, 'The next message carries the new selector')
UP_BUILD = ('Upgrading', 'then build and install as in step 1')
UP_KEEP = ('Upgrading', 'dpkg keeps your edited files')
UP_DIST = ('Upgrading', 'leaves the new sample beside them as .dpkg-dist')
UP_RESTART = ('Upgrading', 'The milters that run are restarted')
ACTED_ON = (PUBLISH, SETTINGS, PROMPTS, AGAIN, REUSE, ALL_OK, SWAKS_PROMPT, LEAVES,
            ROT_PUBLISH, ROT_REPLACE, ROT_NEXT, UP_BUILD, UP_KEEP, UP_DIST, UP_RESTART)


def require():
    if os.environ.get('MILTERKIT_E2E') == 'skip':
        raise Skip('MILTERKIT_E2E=skip')
    require_machine()
    for prog in ('swaks', 'dpkg-deb', 'unbound'):
        if not shutil.which(prog) and not os.path.exists('/usr/sbin/' + prog):
            raise Skip('%s missing' % prog)
    if subprocess.run(['git', '-C', top_srcdir(), 'rev-parse', '--git-dir'],
                      capture_output=True).returncode != 0:
        raise Skip('%s is not a git checkout (the package is built from its tracked '
                   'files)' % top_srcdir())


def _say(what, r=None):
    log(what)
    if r is not None:
        out = (r.stdout + r.stderr).strip()
        if out:
            log('  ' + '\n  '.join(out.splitlines()[-25:]))


# ------------------------------------------------------------ SMTP clients

def _tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE     # --make-cert: self-signed
    return ctx


def auth_offered(starttls):
    """The AUTH mechanisms mail.example.net:587 lists to the laptop, before
    or after STARTTLS (None: not offered)."""
    s = smtplib.SMTP(MAIL_ADDR, 587, timeout=60, source_address=(ROAMER_ADDR, 0))
    try:
        s.ehlo('laptop.example.org')
        if starttls:
            s.starttls(context=_tls())
            s.ehlo('laptop.example.org')
        return s.esmtp_features.get('auth')
    finally:
        smtp_quit(s)


def try_auth(login, password):
    """STARTTLS then AUTH PLAIN as the laptop: (code, text) of the reply."""
    s = smtplib.SMTP(MAIL_ADDR, 587, timeout=60, source_address=(ROAMER_ADDR, 0))
    try:
        s.ehlo('laptop.example.org')
        s.starttls(context=_tls())
        s.ehlo('laptop.example.org')
        s.user, s.password = login, password
        try:
            code, text = s.auth('PLAIN', s.auth_plain, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as e:
            code, text = e.smtp_code, e.smtp_error
        return code, text.decode('utf-8', 'replace')
    finally:
        smtp_quit(s)


def send_without_auth():
    """STARTTLS, no AUTH, one message: (stage, code, text) of the refusal,
    or None when it was accepted."""
    s = smtplib.SMTP(MAIL_ADDR, 587, timeout=60, source_address=(ROAMER_ADDR, 0))
    try:
        s.ehlo('laptop.example.org')
        s.starttls(context=_tls())
        s.ehlo('laptop.example.org')
        code, text = s.mail('john@pc1.home.example.net')
        if code >= 400:
            return 'MAIL', code, text.decode()
        code, text = s.rcpt('you@elsewhere.example')
        if code >= 400:
            return 'RCPT', code, text.decode()
        return None
    finally:
        smtp_quit(s)


# ------------------------------------------------------------ the path

class InstallPath:
    """One MTA's run of the README section: see the module comment."""

    def __init__(self, flavor):
        self.flavor = flavor
        self.timings = {}
        self.readme = Section.load(os.path.join(top_srcdir(), 'README'), TITLE)
        self.m = self.world = self.dns = self.isp = None
        self.records = {}           # the DKIM records published
        self.keygen_records = {}    # those milterkit-keygen printed
        self.work = None
        self.roamer = None          # the SASL user of step 4
        self.password = ROAMER_PW   # the roaming user's password now

    def says(self, said):
        """SAID, a (block, phrase) of ACTED_ON: the phrase, asserted present."""
        return self.readme.block(said[0]).require(said[1])

    def tick(self, what, t0):
        self.timings[what] = round(time.monotonic() - t0, 1)
        log('--- %s: %.1f s' % (what, self.timings[what]))

    # -- running the README's commands ----------------------------------
    def sh(self, label, cmd, input=None, status=0, env=None):
        """CMD on the machine, in the tree; asserts its exit status."""
        r = self.m.sh('cd %s && %s' % (TREE, cmd), input=input, check=False, env=env,
                      timeout=600)
        _say('README %s: $ %s -> %d' % (label, cmd, r.returncode), r)
        if status is not None:
            check(r.returncode == status, 'README %s: `%s` exited %d, not %d:\n%s%s'
                  % (label, cmd, r.returncode, status, r.stdout[-3000:], r.stderr[-3000:]))
        return r

    def root_sh(self, label, cmd):
        r = self.m.root_sh('cd %s && %s' % (TREE, cmd), check=False, timeout=1200)
        _say('README %s (before boot): $ %s -> %d' % (label, cmd, r.returncode), r)
        check(r.returncode == 0, 'README %s: `%s` exited %d:\n%s%s'
              % (label, cmd, r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
        return r

    def conf(self):
        return self.m.read(CONF)

    def write_conf(self, text):
        path = os.path.join(self.m.root, CONF.lstrip('/'))
        st = os.stat(path)
        with open(path, 'w') as f:
            f.write(text)
        os.chown(path, st.st_uid, st.st_gid)
        os.chmod(path, st.st_mode & 0o7777)

    # -- the world: DNS, the ISP ----------------------------------------
    def publish(self, records):
        """The test DNS with example.net's zone and RECORDS {name: TXT}
        added (restarted: its records are fixed once it runs)."""
        from .testdns import TestDNS
        self.records.update(records)
        if self.dns is not None:
            self.dns.stop()
        # Asked by the machine and by the laptop in the world.
        dns = TestDNS(port=53, host=DNS_ADDR, ipv6=False,
                      extra=['access-control: 0.0.0.0/0 allow'])
        dns.mx('example.net', 10, 'mail.example.net')
        dns.a('mail.example.net', MAIL_ADDR)
        dns.ptr(MAIL_ADDR, 'mail.example.net')
        dns.a('smtp.isp.example', ISP_ADDR)
        # The LAN's host (its DNS; step 7: sendmail refuses a sender
        # domain that does not resolve).
        dns.a('pc1.home.example.net', '192.168.1.20')
        dns.txt('example.net', 'v=spf1 ip4:%s -all' % ISP_ADDR)
        dns.txt('_dmarc.example.net', 'v=DMARC1; p=quarantine; rua=mailto:postmaster@example.net')
        for name, text in sorted(self.records.items()):
            dns.txt(name, text)
        self.dns = dns
        dns.start()

    def dnsfunc(self, name, timeout=5):
        """dkimpy's DNS: a real query to the test DNS."""
        name = name.decode() if isinstance(name, bytes) else name
        r = self.dns.query(name, 'TXT', timeout=timeout)
        if r is None or r[0] != 0 or not r[1]:
            return None
        rdata, out, i = r[1][0], b'', 0
        while i < len(rdata):
            out += rdata[i + 1:i + 1 + rdata[i]]
            i += 1 + rdata[i]
        return out

    def start_isp(self):
        from .ispsink import IspRelay, make_cert
        text = self.conf()
        user = conftext.string(conftext.get(text, 'mta.smarthost.auth.user'))
        host = conftext.string(conftext.get(text, 'mta.smarthost.host'))
        pwfile = conftext.string(conftext.get(text, 'mta.smarthost.auth.password_file'))
        password = self.m.read(pwfile).split('\n')[0]
        check(host == 'smtp.isp.example', 'mta.smarthost.host is %s' % host)
        cert, key = make_cert(self.work.path, 'smtp.isp.example')
        with self.world.entered():
            self.isp = IspRelay(user, password, cert, key, port=587, host=ISP_ADDR)
            self.isp.start()
        log('the ISP relay smtp.isp.example (%s:587) wants STARTTLS and AUTH as %s'
            % (ISP_ADDR, user))

    # -- the steps ------------------------------------------------------
    def run(self):
        require()
        t0 = time.monotonic()
        debs = package(self.readme)
        self.tick('package (built or cached)', t0)
        with contextlib.ExitStack() as stack:
            self.work = stack.enter_context(Workdir(prefix='milterkit-readme-'))
            self.m = stack.enter_context(
                Machine('mail.example.net', addrs=[MAIL_ADDR, DNS_ADDR],
                        name='mktest-' + self.flavor))
            stack.callback(self.stop_servers)
            try:
                self.steps(debs)
            except BaseException:
                self.post_mortem()
                self.pause()
                raise
        log('timings (s): %s' % self.timings)

    def stop_servers(self):
        if self.isp is not None:
            self.isp.stop()
        if self.dns is not None:
            self.dns.stop()

    def pause(self):
        """MILTERKIT_TEST_PAUSE=FILE: on failure, the machine stays up
        until FILE is removed (at most an hour), for a look inside:
        nsenter --target LEADER --all (LEADER is logged)."""
        flag = os.environ.get('MILTERKIT_TEST_PAUSE')
        if not flag or self.m is None or self.m.leader is None:
            return
        open(flag, 'a').close()
        log('paused: machine leader pid %d, world pid %s; rm %s to go on'
            % (self.m.leader, self.world.holder.pid if self.world else '-', flag))
        deadline = time.monotonic() + 3600
        while os.path.exists(flag) and time.monotonic() < deadline:
            time.sleep(1)

    def post_mortem(self):
        if self.m is None or self.m.leader is None:
            if self.m is not None and self.m.work:
                log('machine console:\n' + self.m.console_tail(60))
            return
        try:
            log('--- the machine\'s failed units and journal (last 300 lines):\n' +
                self.m.sh('systemctl --failed --no-pager; journalctl --no-pager -n 300 '
                          '-o short-precise', check=False, timeout=60).stdout)
        except Exception as e:          # the machine may be gone
            log('no journal: %s' % e)

    def steps(self, debs):
        self.before_boot(debs)
        t0 = time.monotonic()
        self.m.boot(resolver=DNS_ADDR)
        self.m.enter_netns()
        self.world = self.m.outside([ROAMER_ADDR, ISP_ADDR])
        self.tick('boot', t0)
        t0 = time.monotonic()
        self.step2()
        self.step3()
        self.start_isp()
        self.step4(ROAMER_PW)
        self.step5()
        self.step6()
        self.tick('steps 2-6', t0)
        t0 = time.monotonic()
        first = self.step7('first message')
        self.check_signed(first, {'202611', '202611e'})
        self.negatives()
        self.password_change()
        self.tick('step 7, AUTH checks', t0)
        t0 = time.monotonic()
        second = self.rotate()
        self.check_signed(second, {'202705', '202611e'})
        self.tick('key rotation', t0)
        t0 = time.monotonic()
        self.upgrade(debs['v2'])
        self.tick('upgrade', t0)
        t0 = time.monotonic()
        self.check_failures()
        self.tick('milterkit-check failures', t0)

    def before_boot(self, debs):
        t0 = time.monotonic()
        copy_tree(os.path.join(self.m.root, TREE.lstrip('/')))
        for d in debs['v1']:
            self.m.copy_in(d, os.path.join(os.path.dirname(TREE), os.path.basename(d)))
        step0 = self.readme.block('0')
        cmds = step0.commands(self.flavor)
        check(len(cmds) == 1 and self.flavor in cmds[0],
              '%s: want one command that installs %s, have %s'
              % (step0.label(), self.flavor, cmds))
        self.root_sh('step 0', cmds[0])
        self.tick('step 0 (apt-get install the MTA)', t0)
        t0 = time.monotonic()
        step1 = self.readme.block('1')
        for c in step1.commands(self.flavor)[install_index(step1):]:
            self.root_sh('step 1', c)
        self.tick('step 1 (install the package)', t0)

    def step2(self):
        step = self.readme.block('2')
        publish = self.says(PUBLISH)
        published = False
        for item in step.items(self.flavor):
            if item.kind == 'text' and publish in item.text:
                self.publish(self.keygen_records)
                published = True
            elif item.kind == 'cmd':
                r = self.sh('step 2', item.text)
                self.note_records(r.stdout)
        check(published and self.records, 'step 2: nothing to publish')
        log('published: %s' % ', '.join(sorted(self.records)))

    def note_records(self, out):
        """The records milterkit-keygen printed (its one-string form)."""
        found = dict(re.findall(r'DNS record: (\S+) TXT, as one string:\n(v=DKIM1[^\n]*)\n', out))
        self.keygen_records = dict(self.keygen_records, **found)
        return found

    def step3(self):
        step = self.readme.block('3')
        self.says(SETTINGS)
        text = self.conf()
        changed = []
        for s in step.settings(self.flavor):
            try:
                old = conftext.get(text, s.path)
            except KeyError:
                raise AssertionError('README step 3 sets %s, which the installed sample '
                                     'does not have' % s.path)
            if ' '.join(old.split()) != ' '.join(s.value.split()):
                text = conftext.put(text, s.path, s.value)
                changed.append(s.path)
        self.write_conf(text)
        log('step 3: %d settings, %s' % (len(step.settings()), 'changed: ' +
            ', '.join(changed) if changed else 'all as the sample has them'))
        for c in step.commands(self.flavor):
            self.sh('step 3', c)

    def step4(self, password):
        step = self.readme.block('4')
        self.says(PROMPTS)
        for c in step.commands(self.flavor):
            if c.startswith('saslpasswd2 '):
                # On a terminal, as the README's user runs it: without one,
                # saslpasswd2 takes all of its input as the password.
                r = self.m.sh_tty('cd %s && %s' % (TREE, c),
                                  [('Password: *$', password), (r'Again.*: *$', password)])
                _say('README step 4 (on a terminal): $ %s -> %d' % (c, r.returncode), r)
                check(r.returncode == 0, 'README step 4: `%s` exited %d' % (c, r.returncode))
                self.roamer = c.split()[-1]
            else:
                self.sh('step 4', c)

    def step5(self):
        step = self.readme.block('5')
        for c in step.commands(self.flavor):
            self.sh('step 5', c)
        # "once: later runs reuse it": the first command again without it.
        self.says(REUSE)
        first = step.commands(self.flavor)[0]
        check('--make-cert' in first, 'step 5 makes no certificate: %s' % first)
        r = self.sh('step 5 (a later run)', first.replace(' --make-cert', ''))
        check('made a self-signed' not in r.stdout + r.stderr,
              'a later run made another certificate')

    def step6(self):
        step = self.readme.block('6')
        self.says(ALL_OK)
        checked = False
        for c in step.commands(self.flavor):
            r = self.sh('step 6', c)
            if c.split()[0] == 'milterkit-check':
                last = r.stdout.strip().splitlines()[-1]
                check(last == '%d ok, 0 warnings, 0 errors'
                      % len(re.findall(r'(?m)^ok ', r.stdout)),
                      'milterkit-check: not every check ok:\n' + r.stdout)
                checked = True
        check(checked, '%s runs no milterkit-check' % step.label())

    def swaks(self, label, cmd, password):
        """The README's swaks command, from the laptop in the world."""
        argv = shlex.split(cmd)
        check(argv[0] == 'swaks', 'not a swaks command: %s' % cmd)
        resolv = self.work.file('resolv.conf', 'nameserver %s\n' % DNS_ADDR)
        from .proc import private_ns_argv
        full, env = private_ns_argv(argv, self.work.sub('ns'), 'laptop.example.org',
                                    resolv_conf=resolv)
        env = dict(os.environ, **env)
        env['SWAKS_OPT_auth_password'] = password
        r = subprocess.run(self.world.argv(full), env=env, capture_output=True, text=True,
                           timeout=patience(120))
        _say('README %s (on the laptop %s): $ %s -> %d' % (label, ROAMER_ADDR, cmd,
                                                              r.returncode), r)
        check(r.returncode == 0, 'swaks failed (exit %d):\n%s' % (r.returncode, r.stdout[-3000:]))
        return r

    def step7(self, what):
        step = self.readme.block('7')
        self.says(SWAKS_PROMPT)
        self.says(LEAVES)
        cmds = step.commands(self.flavor)
        check(len(cmds) == 1, 'step 7: one command, not %s' % cmds)
        n = len(self.isp.messages)
        self.swaks('step 7 (%s)' % what, cmds[0], self.password)
        msg = self.isp.wait(n + 1, timeout=patience(90))[n]
        log('the ISP received (AUTH %s, TLS %s, MAIL FROM:<%s>, RCPT TO:%s):\n%s'
            % (msg.auth, msg.tls, msg.mail_from, msg.rcpt_tos,
               msg.data.decode('utf-8', 'replace')))
        rcpt = re.search(r'--to (\S+)', cmds[0]).group(1)
        check(msg.mail_from == 'john@example.net', 'envelope sender %r, not '
              'john@example.net' % msg.mail_from)
        check(msg.rcpt_tos == [rcpt], 'recipients %r' % msg.rcpt_tos)
        frm = str(msg.message()['From'])
        check('john@example.net' in frm and 'home.example.net' not in frm,
              'From: not masqueraded: %s' % frm)
        check(msg.tls, 'the ISP relay got it without STARTTLS')
        check(msg.auth == self.isp.user, 'the ISP relay saw AUTH %r, not %r'
              % (msg.auth, self.isp.user))
        return msg

    def check_signed(self, msg, selectors):
        """DKIM-Signatures of example.net with exactly SELECTORS, each
        verified by dkimpy against the test DNS."""
        import dkim
        d = dkim.DKIM(msg.data)
        sigs = [v for n, v in d.headers if n.lower() == b'dkim-signature']
        found = set()
        for i, sig in enumerate(sigs):
            tags = dict(t.split(b'=', 1) for t in re.sub(rb'\s+', b'', sig).split(b';')
                        if b'=' in t)
            check(tags.get(b'd') == b'example.net', 'DKIM d=%r' % tags.get(b'd'))
            sel = tags.get(b's', b'').decode()
            ok = dkim.DKIM(msg.data).verify(idx=i, dnsfunc=self.dnsfunc)
            check(ok, 'dkimpy: the signature s=%s does not verify' % sel)
            found.add(sel)
        check(found == selectors, 'signed with selectors %s, not %s'
              % (sorted(found), sorted(selectors)))
        log('dkimpy verifies d=example.net s=%s' % ', s='.join(sorted(found)))

    def negatives(self):
        with self.world.entered():
            before = auth_offered(starttls=False)
            after = auth_offered(starttls=True)
            refused = send_without_auth()
            wrong = try_auth(self.roamer, 'not the password')
        check(before is None, 'AUTH offered before STARTTLS: %s' % before)
        check(after and 'PLAIN' in after.upper().split(), 'AUTH after STARTTLS: %r' % after)
        check(refused is not None and refused[1] >= 500,
              'a message without AUTH on 587: %r (want a 5xx refusal)' % (refused,))
        check(wrong[0] == 535, 'a wrong password: %r (want 535)' % (wrong,))
        log('587: no AUTH before STARTTLS; without AUTH: %s %d %s; wrong password: %d'
            % (refused + (wrong[0],)))

    def password_change(self):
        """Step 4 again with a new password: it works at once (Postfix: the
        copy in the chroot made again), the old one no longer does."""
        self.says(AGAIN)
        self.step4(NEW_PW)
        with self.world.entered():
            new = try_auth(self.roamer, NEW_PW)
            old = try_auth(self.roamer, ROAMER_PW)
        check(new[0] == 235, 'AUTH with the changed password: %r' % (new,))
        check(old[0] == 535, 'AUTH with the old password: %r' % (old,))
        self.password = NEW_PW

    def rotate(self):
        block = self.readme.block(ROTATION)
        publish = self.says(ROT_PUBLISH)
        replace = self.says(ROT_REPLACE)
        self.says(ROT_NEXT)
        printed = ''
        for item in block.items(self.flavor):
            if item.kind == 'cmd':
                r = self.sh('rotation', item.text)
                printed += r.stdout
            elif publish in item.text:
                self.publish(self.note_records(printed))
            if item.kind == 'text' and replace in item.text:
                self.replace_key(printed)
        return self.step7('after the rotation')

    def replace_key(self, printed):
        """The entry keygen printed in place of the old key of its kind."""
        entry = re.search(r'milterkit.conf, in dkim.keys:\n(\{[^\n]*\})\n', printed)
        check(entry, 'milterkit-keygen printed no dkim.keys entry:\n' + printed)
        entry = entry.group(1)
        ed = 'ed25519' in entry
        text = self.conf()
        for a, b in conftext.elements(text, 'dkim.keys'):
            if ('ed25519' in text[a:b]) == ed:
                log('dkim.keys: %s\n  replaced by %s' % (' '.join(text[a:b].split()), entry))
                self.write_conf(text[:a] + entry + text[b:])
                return
        raise AssertionError('no key of the same kind in dkim.keys to replace')

    def upgrade(self, v2):
        block = self.readme.block('Upgrading')
        for said in (UP_BUILD, UP_KEEP, UP_DIST, UP_RESTART):
            self.says(said)
        build = build_commands(self.readme.block('1'))
        cmds = block.commands(self.flavor)
        check(all(c in cmds for c in build), '"Upgrading" does not build as step 1 does '
              '(%s): %s' % (build, cmds))
        before = self.conf()
        pids = self.main_pids()
        built = False
        for c in cmds:
            if c in build:
                if not built:       # the new version, made once (module comment)
                    for d in v2:
                        self.m.copy_in(d, os.path.join(os.path.dirname(TREE),
                                                       os.path.basename(d)))
                    built = True
                log('README upgrading: $ %s -> the new version: %s'
                    % (c, ', '.join(os.path.basename(d) for d in v2)))
                continue
            self.sh('upgrading', c)
        version = re.search(r'milterkit_([^_]+)_', os.path.basename(v2[0])).group(1)
        r = self.m.sh("dpkg-query -W -f='${Version} ${db:Status-Abbrev}' milterkit")
        check(r.stdout.split() == [version, 'ii'], 'after the upgrade: milterkit %s'
              % r.stdout)
        check(self.conf() == before, 'the upgrade changed the edited %s' % CONF)
        check(os.path.exists(os.path.join(self.m.root, CONF.lstrip('/') + '.dpkg-dist')),
              'no %s.dpkg-dist beside the kept file' % CONF)
        after = wait_for(lambda: self.main_pids(all_running=True), timeout=60,
                         what='the milters running again after the upgrade')
        for u in UNITS:
            check(after[u] != pids[u], '%s was not restarted by the upgrade' % u)
        log('upgraded to %s: %s kept, the new sample is %s.dpkg-dist, milters restarted'
            % (version, CONF, CONF))

    def main_pids(self, all_running=False):
        out = {}
        for u in UNITS:
            out[u] = self.m.sh('systemctl show -p MainPID --value ' + u).stdout.strip()
        if all_running and any(p in ('', '0') for p in out.values()):
            return None
        return out

    # -- milterkit-check: all ok, then each failure ----------------------
    def milterkit_check(self, status):
        r = self.m.sh('milterkit-check', check=False)
        _say('milterkit-check -> %d' % r.returncode, r)
        check(r.returncode == status, 'milterkit-check exited %d, not %d:\n%s'
              % (r.returncode, status, r.stdout + r.stderr))
        return r.stdout

    def item(self, out, status, item):
        """(finding, fix) of ITEM in milterkit-check's OUT, whose status is
        STATUS ('ok', 'warn', 'FAIL'); fix: the fix line and the lines
        indented below it, joined."""
        more = r'(?:[ \t]+(?=\S)(?!fix:).*\n)*'      # lines indented below
        m = re.search(r'(?m)^%s\s+%s: (.*)\n(%s)(?:[ \t]+fix: (.*\n%s))?'
                      % (re.escape(status), re.escape(item), more, more), out + '\n')
        check(m, 'milterkit-check has no %s item "%s":\n%s' % (status, item, out))
        return m.group(1), ' '.join((m.group(3) or '').split())

    def failure(self, out, item, finding, fix):
        """ITEM is a FAIL that says FINDING, with a fix that says FIX."""
        said, how = self.item(out, 'FAIL', item)
        check(re.search(finding, said), 'FAIL %s: %r does not say %r' % (item, said, finding))
        check(re.search(fix, how), 'FAIL %s: fix %r does not say %r' % (item, how, fix))
        log('milterkit-check: FAIL %s: %s\n  fix: %s' % (item, said, how))

    def check_failures(self):
        out = self.milterkit_check(0)
        check(' 0 warnings, 0 errors' in out, 'not every check ok:\n' + out)
        # A stopped milter; the others' sockets stay (a runtime directory
        # each), and it stops without complaint.
        self.m.sh('systemctl stop milterkit-masq')
        out = self.milterkit_check(2)
        self.failure(out, 'socket masq', r'not running', r'systemctl start milterkit-masq')
        for other in ('relay', 'dkim'):
            self.item(out, 'ok', 'socket ' + other)
        stop = self.m.sh('journalctl --no-pager -o cat -u milterkit-masq -n 20').stdout
        check(not re.search(r'cannot remove|warning', stop), 'milterkit-masq stopping:\n' + stop)
        self.m.sh('systemctl start milterkit-masq')
        wait_for(lambda: self.m.sh('milterkit-check -q', check=False).returncode == 0,
                 timeout=60, interval=1, what='milterkit-masq answering again')
        # A socket the MTA cannot use.
        if self.flavor == 'postfix':
            sock = conftext.string(conftext.get(self.conf(), 'relay.socket'))
            path = sock.split(':', 1)[1]
            self.m.sh('chmod 0600 ' + path)
            out = self.milterkit_check(2)
            self.failure(out, 'mta-access relay', r'postfix', r'socket_mode|chmod')
            self.m.sh('chmod 0660 ' + path)
        else:
            log('unreadable socket: not for sendmail, which connects to the milters as '
                'root (milterkit-check says so in its "mta sendmail" item)')
        # An unpublished key: made as in step 2, in dkim.keys, not in DNS.
        r = self.sh('unpublished key', 'milterkit-keygen -d example.net -s 202712 -D '
                    '/etc/milterkit/keys/example.net && chown milterkit '
                    '/etc/milterkit/keys/example.net/202712.private')
        entry = re.search(r'milterkit.conf, in dkim.keys:\n(\{[^\n]*\})\n', r.stdout).group(1)
        record = list(self.note_records(r.stdout).values())[0]
        text = self.conf()
        last = conftext.elements(text, 'dkim.keys')[-1][1]
        self.write_conf(text[:last] + ',\n        ' + entry + text[last:])
        out = self.milterkit_check(2)
        self.failure(out, 'key example.net/202712', r'not published',
                     r'202712\._domainkey\.example\.net .*' + re.escape(record))


def run_install_path(flavor):
    InstallPath(flavor).run()
