"""mktest - the one test library of milterkit's milter-level and e2e tests.

Test scripts import it by name: `make check` puts tests/lib on PYTHONPATH
(tests/demo.sh and tests/bench/run.sh do the same).  The common pieces are
re-exported here; the rest is in the modules:

  runner       run_test(), Skip, skip(), fail(), check(), log(),
               in_threads()
  paths        top_srcdir(), top_builddir(), e2e_root(), built(),
               need_program(), run_user(), key_base(), give_key()
  net          patience(), free_port(), wait_port(), wait_for(),
               socket_accepts(), smtp_connect(), smtp_quit(), smtp_send()
  proc         Proc, Service, Workdir, SyslogListener, private_ns_argv(),
               run_program()
  daemon       Daemon, milter_daemon(): one of our daemons with a test config
  milterclient the MTA side of the milter protocol
  mta          private sendmail 8.17 and Postfix 3.7 on loopback
  testdns      unbound as an authoritative test DNS on loopback
  sink         aiosmtpd SMTP sink;  ispsink: an ISP relay demanding AUTH
  miltertap    a milter that records what the MTA sent it
  passthrough  the pass-through check run on both MTAs
  mcsetup      milterkit-mc runs against the unpacked MTAs
  dkimtest     milterkit-dkim test keys, messages and verifiers
  op25b        the home-server-behind-OP25B pipeline; op25b_demo its demo
  machine      a throwaway Debian 12 machine booted with real systemd
               (systemd-nspawn), for the install-path tests
  checksite    a whole site (DNS, daemons, MTA config) for milterkit-check
  readme       the README's install section as steps, commands, settings
  conftext     milterkit.conf edited in place by a setting's dotted path
  installpath  the README's install path on a Machine, for one MTA
  readmedeb    the package as README step 1 builds it, once per tree
  benchutil    what the benchmarks in tests/bench share

Only Debian's python3 and its packages are used (python3-dkim,
python3-aiosmtpd where a module says so).
"""

from .runner import (EXIT_FAIL, EXIT_HARD, EXIT_PASS, EXIT_SKIP, SKIP, Skip,
                     SkipTest, check, fail, in_threads, log, run_test, skip)
from .paths import (builddir, built, e2e_root, give_key, key_base,
                    need_program, run_user, srcdir, top_builddir, top_srcdir)
from .net import (free_port, have_ipv6, patience, smtp_connect, smtp_quit, smtp_send,
                  socket_accepts, wait_for, wait_port)
from .proc import (Proc, Service, SyslogListener, Workdir, have_private_ns,
                   kill_group_of_pidfile, kill_namespace, private_ns_argv,
                   run_program, uts_ns_of)
from .daemon import Daemon, DaemonError, milter_binary, milter_daemon

__all__ = [
    'EXIT_FAIL',
    'EXIT_HARD',
    'EXIT_PASS',
    'EXIT_SKIP',
    'SKIP',
    'Skip',
    'SkipTest',
    'check',
    'fail',
    'in_threads',
    'log',
    'run_test',
    'skip',
    'builddir',
    'built',
    'e2e_root',
    'give_key',
    'key_base',
    'need_program',
    'run_user',
    'srcdir',
    'top_builddir',
    'top_srcdir',
    'free_port',
    'have_ipv6',
    'patience',
    'smtp_connect',
    'smtp_quit',
    'smtp_send',
    'socket_accepts',
    'wait_for',
    'wait_port',
    'Proc',
    'Service',
    'SyslogListener',
    'Workdir',
    'have_private_ns',
    'kill_group_of_pidfile',
    'kill_namespace',
    'private_ns_argv',
    'run_program',
    'uts_ns_of',
    'Daemon',
    'DaemonError',
    'milter_binary',
    'milter_daemon',
]
