"""mktest.mta - private sendmail 8.17 and Postfix 3.7 on loopback.

Both run from the trees that tests/e2e/prepare.sh unpacked (never the
system's MTA, /etc/mail or /etc/postfix), listen on 127.0.0.1:PORT, keep
their queues in a temporary directory, relay every message to a sink
([127.0.0.1]:SINK_PORT) and attach the milters they are given:

    from .mta import Sendmail, Postfix, MilterSpec
    with Sink() as sink, Sendmail(sink.port, milters=[MilterSpec('masq',
            'inet:%d@127.0.0.1' % port)]) as mta:
        smtp_send(mta.port, ...)
        sink.wait(1)
        mta.log()

See the class docstrings for the arguments.  Logging:
  - Postfix writes its log with postlogd to WORK/maillog (maillog_file);
  - sendmail only logs through syslog(3).  It runs (foreground, -bD) in
    private UTS and mount namespaces (unshare(1)) where /dev/log is a socket
    of the test's own SyslogListener, writing WORK/syslog, and the host name
    is the test's (sendmail sleeps 60 s at start when the machine's name is
    unqualified).  The system's /dev/log, /etc/hosts and host name are never
    touched.  Also -X WORK/transcript records every SMTP line in and out.
    Sendmail.log() returns all of it.
"""

import os
import re
import signal
import subprocess
import time

from . import (Proc, Service, Skip, SyslogListener, Workdir, e2e_root, free_port, in_threads,
                     have_private_ns, private_ns_argv,
                     uts_ns_of, wait_for, wait_port)
from .net import STARTUP_WAIT


MTAS = ('sendmail', 'postfix')


def on_both_mtas(fn, *args):
    """fn('sendmail', *args) and fn('postfix', *args) at once, each in a
    thread of its own (in_threads).  Returns {'sendmail': result,
    'postfix': result}; raises what either raised once both have ended."""
    return dict(zip(MTAS, in_threads(fn, [(kind,) + args for kind in MTAS])))


def sendmail_root():
    return os.path.join(e2e_root(), 'sendmail')


def postfix_root():
    return os.path.join(e2e_root(), 'postfix')


def require_sendmail():
    """Raise Skip when the unpacked sendmail is missing."""
    if not os.access(os.path.join(sendmail_root(),
                                  'usr/libexec/sendmail/sendmail'), os.X_OK):
        raise Skip('sendmail not unpacked in %s: run tests/e2e/prepare.sh'
                   % sendmail_root())
    if os.geteuid() != 0:
        raise Skip('the private sendmail needs root')
    if not have_private_ns():
        raise Skip('unshare(1) cannot create UTS and mount namespaces here')


def require_postfix():
    """Raise Skip when the unpacked Postfix is missing."""
    if not os.access(os.path.join(postfix_root(), 'usr/lib/postfix/sbin/master'),
                     os.X_OK):
        raise Skip('postfix not unpacked in %s: run tests/e2e/prepare.sh'
                   % postfix_root())
    if os.geteuid() != 0:
        raise Skip('the private Postfix needs root')


class MilterSpec:
    """A milter for the MTA: NAME, SOCKET in libmilter syntax
    ('inet:PORT@127.0.0.1', 'inet6:PORT@::1', 'unix:/path'), sendmail FLAGS
    ('T' tempfail, 'R' reject, '' fail open) and sendmail TIMEOUTS.
    Postfix gets the socket translated and milter_default_action=tempfail."""

    def __init__(self, name, socket, flags='T',
                 timeouts='C:10s;S:10s;R:10s;E:30s'):
        self.name, self.socket = name, socket
        self.flags, self.timeouts = flags, timeouts

    def sendmail_line(self):
        parts = ['S=' + self.socket]
        if self.flags:
            parts.append('F=' + self.flags)
        if self.timeouts:
            parts.append('T=' + self.timeouts)
        return "INPUT_MAIL_FILTER(`%s', `%s')dnl" % (self.name,
                                                      ', '.join(parts))

    def postfix_socket(self):
        m = re.match(r'^(inet6?):(\d+)@(.+)$', self.socket)
        if m:
            host = m.group(3)
            return 'inet:%s:%s' % ('[%s]' % host if ':' in host else host,
                                   m.group(2))
        if self.socket.startswith(('unix:', 'local:')):
            return 'unix:' + self.socket.split(':', 1)[1]
        raise ValueError('bad milter socket %r' % self.socket)


class _MTA(Service):
    """What both MTAs share: ports, work directory, teardown."""

    name = 'mta'

    def __init__(self, sink_port, port=None, milters=(), hostname=None,
                 domain='example.net', sink_host='127.0.0.1', ipv6=False):
        self.ipv6 = ipv6
        self.sink_port = sink_port
        self.sink_host = sink_host
        self.port = port or free_port(also_v6=ipv6)
        self.milters = list(milters)
        self.domain = domain
        self.hostname = hostname or 'mail.' + domain
        self.work = None
        self.proc = None

    def wait_log(self, pattern, timeout=15):
        """Wait (bounded) until the log matches regex PATTERN; return the
        match."""
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.log()), timeout,
                        what='%s log to match %r' % (self.name, pattern))


class Sendmail(_MTA):
    """Private sendmail 8.17.

    Sendmail(sink_port, port=None, milters=(), hostname=None,
             domain='example.net', mc_lines=(), mc_defines=None,
             debug='', sink_host='127.0.0.1', resolv_conf=None, ipv6=False,
             relay_loopback=True, mc_tail=())
      mc_tail:    .mc lines after the MAILER lines (e.g. LOCAL_RULESETS);
      ipv6:       also listen on [::1]:PORT;
      relay_loopback: RELAY_DOMAIN(`127') and ::1, so every client on
                  loopback may relay (sendmail's default: only "localhost");
      mc_lines:   extra .mc lines, appended before the MAILER lines;
      mc_defines: dict of define(`KEY', `VALUE') that override the defaults;
      debug:      sendmail -d flags, e.g. '-d64.5' (output in log());
      resolv_conf: a file bind-mounted on /etc/resolv.conf for sendmail
                  (its DNS; the resolver only speaks to port 53).  Without
                  it sendmail resolves no names at all (hosts: files, own
                  hosts file) and has FEATURE(accept_unresolvable_domains);
                  with it, "hosts dns files" and sender domains checked.
    Attributes after start(): port, work (Workdir), cf (path), mc (path),
    queue (path), syslog (SyslogListener).  Methods: start(), stop(), log(),
    syslog_log(), wait_log(rx), queue_ids(), flush(), _run(argv) (a
    sendmail command in the same namespaces, e.g. -bt).
    """

    name = 'sendmail'

    def __init__(self, sink_port, port=None, milters=(), hostname=None,
                 domain='example.net', mc_lines=(), mc_defines=None,
                 debug='', sink_host='127.0.0.1', resolv_conf=None,
                 ipv6=False, relay_loopback=True, mc_tail=()):
        super().__init__(sink_port, port, milters, hostname, domain,
                         sink_host, ipv6)
        self.mc_lines = list(mc_lines)
        self.mc_defines = dict(mc_defines or {})
        self.debug = debug
        self.resolv_conf = resolv_conf
        self.relay_loopback = relay_loopback
        self.mc_tail = list(mc_tail)
        self.syslog = None

    def syslog_log(self):
        """Only sendmail's syslog lines."""
        return self.syslog.log() if self.syslog else ''

    def mc_text(self):
        w = self.work.path
        cfdir = os.path.join(sendmail_root(), 'usr/share/sendmail/cf')
        defines = {
            'MAIL_SETTINGS_DIR': w + '/etc/',
            'confDOMAIN_NAME': self.hostname,
            'confDONT_PROBE_INTERFACES': 'True',
            'QUEUE_DIR': self.queue,
            'confPID_FILE': w + '/sendmail.pid',
            'STATUS_FILE': w + '/etc/statistics',
            'confHOST_STATUS_DIRECTORY': '',
            'confSERVICE_SWITCH_FILE': w + '/etc/service.switch',
            'confHOSTS_FILE': w + '/etc/hosts',
            'ALIAS_FILE': w + '/etc/aliases',
            'confHELP_FILE': os.path.join(sendmail_root(), 'etc/mail/helpfile'),
            'confDEF_USER_ID': 'mail:mail',
            'confDELIVERY_MODE': 'background',
            'confTO_QUEUEWARN': '4h',
            'confDEAD_LETTER_DROP': w + '/dead.letter',
            'confLOG_LEVEL': '14',
            'confMILTER_LOG_LEVEL': '14',
            'confDONT_BLAME_SENDMAIL': 'GroupWritableDirPathSafe,TrustStickyBit',
            'SMART_HOST': '[%s]' % self.sink_host,
            'RELAY_MAILER_ARGS': 'TCP $h %d' % self.sink_port,
            'ESMTP_MAILER_ARGS': 'TCP $h %d' % self.sink_port,
            'SMTP_MAILER_ARGS': 'TCP $h %d' % self.sink_port,
            'confBIND_OPTS': '-DNSRCH -DEFNAMES',
            'confCON_EXPENSIVE': 'False',
        }
        defines.update(self.mc_defines)
        lines = ['divert(-1)', 'divert(0)dnl',
                 "include(`%s/m4/cf.m4')dnl" % cfdir,
                 "VERSIONID(`milterkit e2e')dnl",
                 # OSTYPE(debian) includes /usr/share/sendmail/...: use linux.
                 "OSTYPE(`linux')dnl"]
        lines += ["define(`%s', `%s')dnl" % kv for kv in defines.items()]
        lines += ["FEATURE(`no_default_msa')dnl",
                  "FEATURE(`nocanonify')dnl"]
        if self.resolv_conf is None:
            lines += ["FEATURE(`accept_unresolvable_domains')dnl"]
        if self.relay_loopback:
            lines += ["RELAY_DOMAIN(`127')dnl",
                      "RELAY_DOMAIN(`IPv6:0:0:0:0:0:0:0:1')dnl"]
        lines += [
                  "DAEMON_OPTIONS(`Family=inet, Addr=127.0.0.1, Port=%d, "
                  "Name=MTA')dnl" % self.port]
        if self.ipv6:
            lines += ["DAEMON_OPTIONS(`Family=inet6, Addr=::1, Port=%d, "
                      "Name=MTA6')dnl" % self.port]
        lines += [m.sendmail_line() for m in self.milters]
        lines += self.mc_lines
        lines += ["MAILER(`local')dnl", "MAILER(`smtp')dnl"]
        lines += self.mc_tail
        return '\n'.join(lines) + '\n'

    def start(self):
        require_sendmail()
        self.work = Workdir(prefix='milterkit-sendmail-')
        w = self.work.path
        self.queue = self.work.sub('mqueue', mode=0o700)
        os.chmod(self.queue, 0o700)
        self.work.sub('etc')
        self.work.file('etc/service.switch', 'hosts %s\naliases files\n' % (
            'files' if self.resolv_conf is None else 'dns files'))
        self.work.file('etc/hosts', '127.0.0.1\t%s localhost\n::1\tlocalhost\n'
                       % self.hostname)
        self.work.file('etc/aliases', 'postmaster: root\n')
        self.work.file('etc/local-host-names', '')
        self.work.file('etc/statistics', '', mode=0o600)
        self.cf = self.build_cf()
        self.syslog = SyslogListener(os.path.join(w, 'log.sock'),
                                     os.path.join(w, 'syslog'))
        sm = os.path.join(sendmail_root(), 'usr/libexec/sendmail/sendmail')
        r = self._run([sm, '-C', self.cf, '-bi'])
        if r.returncode != 0:
            raise RuntimeError('sendmail -bi failed:\n' + r.stdout)
        argv = [sm, '-C', self.cf, '-bD', '-q5m', '-X',
                os.path.join(w, 'transcript')]
        if self.debug:
            argv[1:1] = self.debug.split()
        argv, env = self._ns(argv)
        self.proc = Proc(argv, os.path.join(w, 'sendmail.out'),
                         name='sendmail', cwd=w, env=env)
        wait_port(self.port, proc=self.proc, what='sendmail')
        self.proc.uts_ns = uts_ns_of(self.proc.pid)
        return self

    def build_cf(self):
        """Writes WORK/sendmail.mc (mc_text()) and builds WORK/sendmail.cf
        from it with m4; returns the .cf's path.  Called by start() once the
        work directory, queue and etc/ files exist; a subclass may return
        a .cf made another way."""
        w = self.work.path
        self.mc = self.work.file('sendmail.mc', self.mc_text())
        cf = os.path.join(w, 'sendmail.cf')
        with open(cf, 'wb') as out:
            r = subprocess.run(['m4', self.mc], stdout=out,
                               stderr=subprocess.PIPE, cwd=w)
        err = r.stderr.decode('utf-8', 'replace')
        if r.returncode != 0 or '*** ERROR' in err:
            raise RuntimeError('m4 %s failed:\n%s' % (self.mc, err))
        return cf

    def _ns(self, argv):
        argv, add = private_ns_argv(argv, self.work.path, self.hostname,
                                    devlog=self.syslog.path,
                                    resolv_conf=self.resolv_conf)
        env = dict(os.environ)
        env.update(add)
        return argv, env

    def _run(self, argv, timeout=60):
        """Run a sendmail command (e.g. [sm, '-C', cf, '-bt']) in the same
        private namespaces as the daemon; returns CompletedProcess (text,
        stderr merged into stdout)."""
        argv, env = self._ns(argv)
        return subprocess.run(argv, env=env, cwd=self.work.path,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, start_new_session=True)

    def stop(self):
        if self.proc is not None:
            self.proc.stop()    # also kills what is left in its namespace
            self.proc = None
        if self.syslog is not None:
            self.syslog.stop()
        if self.work is not None:
            self.work.cleanup()
            self.work = None

    def log(self):
        """The syslog lines, then stdout/stderr (and -d debug output), then
        the SMTP transcript (-X), as text."""
        out = ''
        for name in ('syslog', 'sendmail.out', 'transcript'):
            p = os.path.join(self.work.path, name)
            if os.path.exists(p):
                with open(p, 'rb') as f:
                    out += f.read().decode('utf-8', 'replace')
        return out

    def queue_ids(self):
        """Queue ids of the messages still queued."""
        return sorted(n[2:] for n in os.listdir(self.queue)
                      if n.startswith('qf'))

    def flush(self):
        """Run the queue once (sendmail -q), in the foreground."""
        sm = os.path.join(sendmail_root(), 'usr/libexec/sendmail/sendmail')
        return self._run([sm, '-C', self.cf, '-q'])


POSTFIX_MASTER_CF = """\
{listen} inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
local     unix - n n - - local
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


class Postfix(_MTA):
    """Private Postfix 3.7 (mail_owner nobody, setgid_group mail).

    Postfix(sink_port, port=None, milters=(), hostname=None,
            domain='example.net', main_cf=None, master_cf=(),
            sink_host='127.0.0.1', ipv6=False)
      ipv6:      also listen on [::1]:PORT (inet_protocols = all);
      main_cf:   dict of main.cf settings overriding the defaults below;
      master_cf: extra master.cf lines (e.g. a submission service).
    Attributes after start(): port, work (Workdir), config_dir, queue_dir.
    Methods: start(), stop(), log(), wait_log(rx), postconf(*args) -> str,
    postfix(*args) -> CompletedProcess, check() -> [problems],
    queue_ids(), flush().
    """

    name = 'postfix'

    def __init__(self, sink_port, port=None, milters=(), hostname=None,
                 domain='example.net', main_cf=None, master_cf=(),
                 sink_host='127.0.0.1', ipv6=False):
        super().__init__(sink_port, port, milters, hostname, domain,
                         sink_host, ipv6)
        self.main_cf = dict(main_cf or {})
        self.master_cf = list(master_cf)

    def env(self):
        e = dict(os.environ)
        e['LD_LIBRARY_PATH'] = self.libdir
        e['MAIL_CONFIG'] = self.config_dir
        return e

    def settings(self):
        root = postfix_root()
        w = self.work.path
        s = {
            'compatibility_level': '3.6',
            'queue_directory': self.queue_dir,
            'data_directory': os.path.join(w, 'data'),
            'meta_directory': os.path.join(root, 'etc/postfix'),
            'shlib_directory': self.libdir,
            'daemon_directory': os.path.join(root, 'usr/lib/postfix/sbin'),
            'command_directory': os.path.join(root, 'usr/sbin'),
            'sendmail_path': os.path.join(root, 'usr/sbin/sendmail'),
            'newaliases_path': os.path.join(root, 'usr/bin/newaliases'),
            'mailq_path': os.path.join(root, 'usr/bin/mailq'),
            'html_directory': 'no',
            'manpage_directory': os.path.join(root, 'usr/share/man'),
            'sample_directory': 'no', 'readme_directory': 'no',
            'mail_owner': 'nobody', 'setgid_group': 'mail',
            'default_privs': 'daemon',
            'import_environment': 'MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ '
                                  'LANG=C LD_LIBRARY_PATH=' + self.libdir,
            'export_environment': 'TZ MAIL_CONFIG LANG LD_LIBRARY_PATH',
            'maillog_file': os.path.join(w, 'maillog'),
            'maillog_file_prefixes': w,
            'myhostname': self.hostname, 'mydomain': self.domain,
            'myorigin': '$mydomain', 'mydestination': '$myhostname, localhost',
            'inet_interfaces': '127.0.0.1, [::1]' if self.ipv6 else
                               '127.0.0.1',
            'inet_protocols': 'all' if self.ipv6 else 'ipv4',
            'mynetworks': '127.0.0.0/8 [::1]/128' if self.ipv6 else
                          '127.0.0.0/8',
            'relayhost': '[%s]:%d' % (self.sink_host, self.sink_port),
            'smtp_dns_support_level': 'disabled',
            'smtpd_peername_lookup': 'no',
            'alias_maps': '', 'alias_database': '',
            'biff': 'no', 'smtputf8_enable': 'no',
            'milter_default_action': 'tempfail',
            'smtpd_milters': ' '.join(m.postfix_socket()
                                      for m in self.milters),
            'non_smtpd_milters': '',
            'queue_run_delay': '30s', 'minimal_backoff_time': '30s',
            'maximal_backoff_time': '60s',
            'smtp_connect_timeout': '10s',
            'smtpd_relay_restrictions':
                'permit_mynetworks, reject_unauth_destination',
        }
        s.update(self.main_cf)
        return s

    def start(self):
        require_postfix()
        self.libdir = os.path.join(postfix_root(), 'usr/lib/postfix')
        self.work = Workdir(prefix='milterkit-postfix-')
        w = self.work.path
        self.config_dir = self.work.sub('etc')
        self.queue_dir = self.work.sub('spool')
        self.data_dir = self.work.sub('data')
        self.work.file('etc/main.cf', ''.join(
            '%s = %s\n' % kv for kv in self.settings().items()))
        master = POSTFIX_MASTER_CF.format(listen='127.0.0.1:%d' % self.port)
        if self.ipv6:
            master += '[::1]:%d inet n - n - - smtpd\n' % self.port
        self.work.file('etc/master.cf', master +
                       ''.join(l + '\n' for l in self.master_cf))
        self._make_queue()
        # master in the foreground, in our process group: no postfix-script
        # (its checks cost seconds); call check() for `postfix check`.
        self.proc = Proc([os.path.join(postfix_root(),
                                       'usr/lib/postfix/sbin/master'),
                          '-c', self.config_dir, '-d'],
                         os.path.join(w, 'master.out'), name='postfix',
                         env=self.env(), cwd=w)
        try:
            wait_port(self.port, proc=self.proc, what='postfix')
        except RuntimeError as e:
            raise RuntimeError('%s\n--- maillog ---\n%s' % (e, self.log()))
        return self

    def _make_queue(self):
        """The queue directories of postfix-files, owned as Postfix wants
        (mail_owner nobody, setgid_group mail)."""
        import grp
        import pwd
        owner = pwd.getpwnam(self.settings()['mail_owner'])
        sgid = grp.getgrnam(self.settings()['setgid_group']).gr_gid
        os.chown(self.data_dir, owner.pw_uid, owner.pw_gid)
        os.chmod(self.data_dir, 0o700)
        for name, mode, group in (
                ('active', 0o700, -1), ('bounce', 0o700, -1),
                ('corrupt', 0o700, -1), ('defer', 0o700, -1),
                ('deferred', 0o700, -1), ('flush', 0o700, -1),
                ('hold', 0o700, -1), ('incoming', 0o700, -1),
                ('private', 0o700, -1), ('maildrop', 0o730, sgid),
                ('public', 0o710, sgid), ('saved', 0o700, -1),
                ('trace', 0o700, -1), ('pid', 0o755, None)):
            p = os.path.join(self.queue_dir, name)
            os.mkdir(p)
            if group is not None:
                os.chown(p, owner.pw_uid, group)
            os.chmod(p, mode)

    def queue_ids(self):
        """Queue ids of the messages in the incoming, active, deferred and
        hold queues."""
        ids = []
        for q in ('incoming', 'active', 'deferred', 'hold'):
            for _dir, _subs, files in os.walk(os.path.join(self.queue_dir, q)):
                ids += files
        return sorted(ids)

    def flush(self):
        """`postqueue -f`: attempt delivery of everything queued now."""
        return subprocess.run(
            [os.path.join(postfix_root(), 'usr/sbin/postqueue'), '-c',
             self.config_dir, '-f'], env=self.env(), capture_output=True,
            text=True, timeout=60)

    def check(self):
        """`postfix check`: returns its warning/fatal lines (list), except
        the four expected ones: the unpacked postdrop and postqueue are not
        set-gid to group mail (we install no set-gid programs; nothing here
        submits through them)."""
        r = self.postfix('check')
        expected = re.compile(r'(not owned by group|not set-gid).*/usr/sbin/'
                              r'(postdrop|postqueue)$')
        return [l for l in r.stdout.splitlines()
                if ('warning' in l or 'fatal' in l) and
                not expected.search(l)] + (
            [] if r.returncode == 0 else ['exit status %d' % r.returncode])

    def postfix(self, *args, timeout=60):
        """Run the unpacked `postfix -c CONFIG_DIR ARGS...`.  Its stderr is
        a pseudo-terminal: Postfix commands log to stderr only when it is a
        tty (otherwise to postlogd, which may not run yet).  Returns a
        CompletedProcess with everything in .stdout (.stderr is '')."""
        return run_with_pty([os.path.join(postfix_root(), 'usr/sbin/postfix'),
                             '-c', self.config_dir] + list(args),
                            env=self.env(), timeout=timeout)

    def postconf(self, *args):
        """Run `postconf -c CONFIG_DIR ARGS...`; return stdout."""
        r = subprocess.run(
            [os.path.join(postfix_root(), 'usr/sbin/postconf'), '-c',
             self.config_dir] + list(args), env=self.env(),
            capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError('postconf %s: %s' % (args, r.stderr))
        return r.stdout

    def stop(self):
        if self.proc is not None:
            # SIGTERM to master (what `postfix stop` does), then the group.
            self.proc.stop()
            self.proc = None
        if self.work is not None:
            self.work.cleanup()
            self.work = None

    def log(self):
        """The maillog (postlogd) plus master's own output."""
        out = ''
        for name in ('maillog', 'master.out'):
            p = os.path.join(self.work.path, name)
            if os.path.exists(p):
                with open(p, 'rb') as f:
                    out += f.read().decode('utf-8', 'replace')
        return out


def run_with_pty(argv, env=None, timeout=60):
    """Run ARGV with stdout and stderr on a new pseudo-terminal; return a
    CompletedProcess (text in stdout, stderr '').  Bounded by TIMEOUT."""
    import pty
    import select
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave,
                             stderr=slave, env=env, start_new_session=True)
    finally:
        os.close(slave)
    out = b''
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                raise subprocess.TimeoutExpired(argv, timeout, out)
            r, _, _ = select.select([master], [], [], min(left, 0.5))
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:      # EIO: every writer closed the pty
                    chunk = b''
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        p.wait(max(1, deadline - time.monotonic()))
    finally:
        os.close(master)
    return subprocess.CompletedProcess(
        argv, p.returncode, out.decode('utf-8', 'replace').replace('\r\n', '\n'),
        '')


class Milter(Service):
    """A milter daemon run in the foreground: Milter(argv, port, name=None,
    env=None, host='127.0.0.1').  Its stdout+stderr are captured (log());
    start() waits until it accepts connections on HOST:PORT.  spec() gives
    the MilterSpec for the MTAs.  Work files live in a private Workdir
    (attribute work) that the test may use for configs before start()."""

    def __init__(self, argv, port=None, name=None, env=None,
                 host='127.0.0.1', work=None):
        self.argv = argv
        self.port = port or free_port(host)
        self.host = host
        self.name = name or os.path.basename(str(argv[0]))
        self.env = env
        self.work = work or Workdir(prefix='milterkit-milter-')
        self.proc = None

    @property
    def socket(self):
        return '%s:%d@%s' % ('inet6' if ':' in self.host else 'inet',
                             self.port, self.host)

    def spec(self, **kw):
        return MilterSpec(self.name, self.socket, **kw)

    def start(self, timeout=STARTUP_WAIT):
        argv = [a(self) if callable(a) else a for a in self.argv]
        self.proc = Proc(argv, os.path.join(self.work.path, 'milter.log'),
                         name=self.name, env=self.env, cwd=self.work.path)
        wait_port(self.port, host=self.host, proc=self.proc, what=self.name,
                  timeout=timeout)
        return self

    def log(self):
        return self.proc.log() if self.proc else ''

    def stop(self):
        if self.proc is not None:
            self.proc.stop()
            self.proc = None
        if self.work is not None:
            self.work.cleanup()
            self.work = None


def milterkit_milter(name, conf, port=None):
    """milterkit-NAME from the build tree (Skip if it is not built), run in
    the foreground on the config text conf(m) returns; conf gets the Milter,
    for its socket and its work directory (maps, pid file)."""
    from . import builddir
    binary = os.path.join(builddir(), 'milters', name, 'milterkit-' + name)
    if not os.access(binary, os.X_OK):
        raise Skip('%s not built' % binary)
    m = Milter([binary, '-f', '-c', None], port=port, name='milterkit-' + name)
    m.argv[3] = m.work.file('milterkit.conf', conf(m))
    return m


def masq_milter(as_domain='example.net', domains=('home.example.net',),
                site_extra='', masq_extra='', port=None):
    """milterkit-masq with a test config (Skip if it is not built).

    SITE_EXTRA / MASQ_EXTRA are raw libconfig settings appended to the site
    and masq sections."""
    m = milterkit_milter('masq', lambda m: (
        'site: { domain = "example.net"; hostname = "mail.example.net";\n'
        '  internal_networks = ["127.0.0.0/8", "::1/128"];\n'
        '  user = "nobody"; %s };\n'
        'masq: { socket = "%s"; as = "%s";\n'
        '  domains = [%s];\n  pidfile = "%s"; %s };\n'
        % (site_extra, m.socket, as_domain, ', '.join('"%s"' % d for d in domains),
           os.path.join(m.work.path, 'masq.pid'), masq_extra)), port=port)
    # The daemon drops to nobody: let it remove its pid file at exit.
    os.chown(m.work.path, 65534, -1)
    return m


def opendkim_milter(port=None):
    """Debian's opendkim in verify mode: a stand-in milter for harness
    development (it adds an Authentication-Results header)."""
    m = Milter(['/usr/sbin/opendkim', '-f', '-x', None], port=port,
               name='opendkim')
    conf = ('Socket inet:%d@127.0.0.1\nMode v\nSyslog no\n'
            'AuthservID mail.example.net\nUserID nobody\n'
            'PidFile %s\nLogWhy yes\n'
            % (m.port, os.path.join(m.work.path, 'opendkim.pid')))
    m.argv[3] = m.work.file('opendkim.conf', conf)
    return m
