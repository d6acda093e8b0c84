"""mktest.unitsandbox - run a command the way a systemd unit's sandbox
settings would run it, on a machine where systemd is not PID 1 (tests
cannot `systemctl start`).  A mock of systemd, said so: it reproduces the
settings of our units that can break a daemon's start, reload or stop,
with the same kernel mechanisms systemd uses:

  ProtectSystem=strict   every mount read-only except /dev, /proc, /sys
  ReadWritePaths=        writable again: the directories given with --rw
                         (the test's stand-ins for the unit's paths)
  PrivateTmp=yes         fresh tmpfs on /tmp and /var/tmp
  ProtectHome=yes        /home, /root, /run/user empty and inaccessible
  PrivateDevices=yes     a /dev with null, zero, full, random, urandom, tty
  LimitNOFILE=           setrlimit(RLIMIT_NOFILE) (capped at the current hard
                         limit without CAP_SYS_RESOURCE, with a note)
  CapabilityBoundingSet= every other capability dropped from the bounding set
  NoNewPrivileges=yes    prctl(PR_SET_NO_NEW_PRIVS)
  SystemCallFilter=, SystemCallErrorNumber=
                         a seccomp allow-list of the named groups, as
                         `systemd-analyze syscall-filter` lists them
  RestrictAddressFamilies=, MemoryDenyWriteExecute=yes
                         seccomp rules on socket(), mmap(), mprotect(),
                         pkey_mprotect(), shmat(), as systemd writes them
The seccomp parts need python3-seccomp; without it they are left out and
a line on stderr says so.  Not reproduced (no effect on what our daemons
do): ProtectKernel*, ProtectControlGroups, ProtectClock, ProtectHostname,
RestrictNamespaces, RestrictRealtime, RestrictSUIDSGID, LockPersonality.

    python3 -m mktest.unitsandbox --unit FILE [--rw DIR]... -- COMMAND...

Must run as root, single-threaded: it unshares a mount namespace, sets
everything up, then execs COMMAND (same pid).  Every mount change stays in
that namespace; bind remounts change mount points, never a file system.
"""

import ctypes
import ctypes.util
import errno
import os
import resource
import subprocess
import sys

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 1 << 21, 1 << 24
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
FLAG_OPTS = {'ro': MS_RDONLY, 'nosuid': MS_NOSUID, 'nodev': MS_NODEV, 'noexec': MS_NOEXEC,
             'noatime': MS_NOATIME, 'nodiratime': MS_NODIRATIME, 'relatime': MS_RELATIME,
             'strictatime': MS_STRICTATIME}
CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID',
        'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE',
        'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
        'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
        'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE',
        'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
        'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE',
        'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
        'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE']
FAMILIES = {'AF_UNIX': 1, 'AF_LOCAL': 1, 'AF_INET': 2, 'AF_INET6': 10, 'AF_NETLINK': 16,
            'AF_PACKET': 17}

_libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)


def _call(name, *args):
    fn = getattr(_libc, name)
    if fn(*args) != 0:
        e = ctypes.get_errno()
        raise OSError(e, '%s%r: %s' % (name, args, os.strerror(e)))


def mount(src, target, fstype, flags, data=None):
    _call('mount', src and src.encode(), target.encode(), fstype and fstype.encode(),
          ctypes.c_ulong(flags), data and data.encode())


def unit_service(path):
    """{key: [values]} of the [Service] section of a unit file."""
    out, section = {}, None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(('#', ';')):
                continue
            if line.startswith('['):
                section = line
                continue
            if section == '[Service]' and '=' in line:
                key, _, value = line.partition('=')
                out.setdefault(key.strip(), []).append(value.strip())
    return out


def last(svc, key, default=None):
    return svc.get(key, [default])[-1]


def mounts():
    """(mount point, option flags) of every mount, from /proc/self/mountinfo."""
    out = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            parts = line.split()
            point = parts[4].encode().decode('unicode_escape')
            flags = 0
            for opt in parts[5].split(','):
                flags |= FLAG_OPTS.get(opt, 0)
            out.append((point, flags))
    return out


def under(path, top):
    return path == top or path.startswith(top.rstrip('/') + '/')


def private_dev():
    names = ('null', 'zero', 'full', 'random', 'urandom', 'tty')
    fds = {}
    for name in names:                   # the real devices, before /dev is hidden
        try:
            fds[name] = os.open('/dev/' + name, os.O_PATH)
        except OSError:
            pass
    mount('tmpfs', '/dev', 'tmpfs', MS_NOSUID | MS_NOEXEC, 'mode=0755')
    for name, fd in fds.items():
        with open('/dev/' + name, 'w'):
            pass
        mount('/proc/self/fd/%d' % fd, '/dev/' + name, None, MS_BIND)
        os.close(fd)
    os.mkdir('/dev/shm')
    mount('tmpfs', '/dev/shm', 'tmpfs', MS_NOSUID | MS_NODEV, 'mode=1777')
    for name, target in (('fd', '/proc/self/fd'), ('stdin', '/proc/self/fd/0'),
                         ('stdout', '/proc/self/fd/1'), ('stderr', '/proc/self/fd/2')):
        os.symlink(target, '/dev/' + name)


def protect(svc, rw_dirs):
    if last(svc, 'PrivateTmp') == 'yes':
        for d in ('/tmp', '/var/tmp'):
            mount('tmpfs', d, 'tmpfs', MS_NOSUID | MS_NODEV, 'mode=1777')
    if last(svc, 'ProtectHome') == 'yes':
        for d in ('/home', '/root', '/run/user'):
            if os.path.isdir(d):
                mount('tmpfs', d, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                      'mode=0000')
    if last(svc, 'PrivateDevices') == 'yes':
        private_dev()
    for d in rw_dirs:                    # their own mount points, to stay writable
        mount(d, d, None, MS_BIND | MS_REC)
    if last(svc, 'ProtectSystem') == 'strict':
        writable = ['/dev', '/proc', '/sys'] + list(rw_dirs)
        if last(svc, 'PrivateTmp') == 'yes':
            writable += ['/tmp', '/var/tmp']
        for point, flags in mounts():
            if any(under(point, w) for w in writable):
                continue
            try:
                mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
            except OSError as e:
                if e.errno not in (errno.ENOENT, errno.EACCES):
                    raise


def limits(svc):
    n = last(svc, 'LimitNOFILE')
    if n:
        soft, _, hard = n.partition(':')
        want = (int(soft), int(hard or soft))
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, want)
        except ValueError:               # no CAP_SYS_RESOURCE here (systemd has it)
            cap = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            print('unitsandbox: LimitNOFILE=%s: hard limit %d here, using it' % (n, cap),
                  file=sys.stderr)
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want[0], cap), min(want[1], cap)))


def capabilities(svc):
    keep = set()
    for value in svc.get('CapabilityBoundingSet', []):
        keep |= set(value.split())
    if not svc.get('CapabilityBoundingSet'):
        return
    with open('/proc/sys/kernel/cap_last_cap') as f:
        last_cap = int(f.read())
    unknown = keep - set(CAPS)
    if unknown:
        raise SystemExit('unitsandbox: unknown capabilities %s' % sorted(unknown))
    for num in range(last_cap + 1):
        name = CAPS[num] if num < len(CAPS) else None
        if name not in keep:
            _call('prctl', PR_CAPBSET_DROP, num, 0, 0, 0)


def syscall_groups():
    """{@group: [syscalls and @groups]} from systemd-analyze."""
    text = subprocess.run(['systemd-analyze', 'syscall-filter'], capture_output=True,
                          text=True, check=True).stdout
    groups, cur = {}, None
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith('#'):
            continue
        if not line.startswith(' ') and s.startswith('@'):
            cur = groups.setdefault(s, [])
        elif cur is not None:
            cur.append(s)
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    out = set()
    for n in names:
        if n.startswith('@'):
            if n not in seen:
                seen.add(n)
                out |= expand(groups.get(n, []), groups, seen)
        else:
            out.add(n)
    return out


def seccomp_filters(svc):
    """Builds the filters (before the mounts: they need systemd-analyze);
    returns a function that loads them, or None."""
    want = svc.get('SystemCallFilter') or svc.get('RestrictAddressFamilies') \
        or last(svc, 'MemoryDenyWriteExecute') == 'yes'
    if not want:
        return None
    try:
        import seccomp
    except ImportError:
        print('unitsandbox: python3-seccomp missing: SystemCallFilter, '
              'RestrictAddressFamilies and MemoryDenyWriteExecute not applied',
              file=sys.stderr)
        return None
    filters = []
    names = []
    for value in svc.get('SystemCallFilter', []):
        names += value.split()
    if names:
        err = last(svc, 'SystemCallErrorNumber', 'EPERM')
        allow = expand(names, syscall_groups())
        f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(getattr(errno, err)))
        for name in sorted(allow):
            try:
                f.add_rule(seccomp.ALLOW, name)
            except (RuntimeError, ValueError, OSError):
                pass                    # not a syscall on this architecture
        filters.append(f)
    g = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    fams = set()
    for value in svc.get('RestrictAddressFamilies', []):
        fams |= {FAMILIES[v] for v in value.split()}
    if fams:
        for fam in range(0, max(fams) + 1):
            if fam not in fams:
                g.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), 'socket',
                           seccomp.Arg(0, seccomp.EQ, fam))
        g.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), 'socket',
                   seccomp.Arg(0, seccomp.GT, max(fams)))
    if last(svc, 'MemoryDenyWriteExecute') == 'yes':
        wx, x = 0x2 | 0x4, 0x4           # PROT_WRITE | PROT_EXEC, PROT_EXEC
        g.add_rule(seccomp.ERRNO(errno.EPERM), 'mmap', seccomp.Arg(2, seccomp.MASKED_EQ, wx, wx))
        g.add_rule(seccomp.ERRNO(errno.EPERM), 'mprotect', seccomp.Arg(2, seccomp.MASKED_EQ, x, x))
        g.add_rule(seccomp.ERRNO(errno.EPERM), 'pkey_mprotect',
                   seccomp.Arg(2, seccomp.MASKED_EQ, x, x))
        g.add_rule(seccomp.ERRNO(errno.EPERM), 'shmat',
                   seccomp.Arg(2, seccomp.MASKED_EQ, 0o100000, 0o100000))   # SHM_EXEC
    filters.append(g)

    def load():
        # The allow-list last: once loaded, it would refuse seccomp() itself.
        for f in reversed(filters):
            f.load()
    return load


def main(argv):
    unit, rw, i = None, [], 0
    while i < len(argv) and argv[i] != '--':
        if argv[i] == '--unit':
            unit = argv[i + 1]
        elif argv[i] == '--rw':
            rw.append(os.path.realpath(argv[i + 1]))
        else:
            raise SystemExit('unitsandbox: unknown option %s' % argv[i])
        i += 2
    command = argv[i + 1:]
    if unit is None or not command:
        raise SystemExit(__doc__)
    svc = unit_service(unit)
    load_seccomp = seccomp_filters(svc)
    _call('unshare', CLONE_NEWNS)
    mount(None, '/', None, MS_REC | MS_PRIVATE)
    protect(svc, rw)
    limits(svc)
    capabilities(svc)
    if last(svc, 'NoNewPrivileges') == 'yes':
        _call('prctl', PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if load_seccomp is not None:
        load_seccomp()
    os.execv(command[0], command)


if __name__ == '__main__':
    main(sys.argv[1:])
