"""dkim-key-file-rule.py - one rule for key files, applied alike by
`milterkit-dkim -n` run as root (judged for site.user), by the start as
root (before dropping privileges) and, in dkim-key-rotation.py, by the
reload as site.user.  The README's step (key owned by site.user, 0600) and
root:GROUP 0640 pass -n and start; a root-owned 0600 key, a key others can
read, one owned by a third user, one under a sticky world-writable
directory are refused by -n and at start, each with the command that
fixes it, users named by name.  Needs root (chown)."""
import os

from mktest import (check, give_key, key_base, milter_binary, milter_daemon,
                    run_program, run_test, run_user, skip, Workdir)
from mktest import dkimtest as dc

CONF = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "%s"; };
dkim: { socket = "@SOCKET@";
        keys = ( { domain = "example.net"; selector = "s1"; key = "%s"; } ); };
'''


def cases(w, user):
    """(label, key path, expected: None for accepted, else substrings)."""
    import grp
    import pwd
    pw = pwd.getpwnam(user)
    group = grp.getgrgid(pw.pw_gid).gr_name
    safe = w.sub("safe")                       # root, 0755
    out = []

    def key(name, owner_uid, gid, mode, where=safe):
        path = dc.openssl_key(os.path.join(where, name), "ed25519")
        os.chown(path, owner_uid, gid)
        os.chmod(path, mode)
        return path

    readme = give_key(dc.openssl_key(os.path.join(safe, "readme.private"), "ed25519"))
    out.append(("the README's step: owned by site.user, 0600", readme, None))
    p = key("rootgrp.private", 0, pw.pw_gid, 0o640)
    out.append(("root:site.user's group, 0640", p, None))
    p = key("root600.private", 0, 0, 0o600)
    out.append(("root 0600: a reload could not read it", p,
                ["is not readable by %s" % user, "run `chown %s %s`" % (user, p),
                 "`chgrp %s %s && chmod 0640 %s`" % (group, p, p)]))
    p = key("world.private", pw.pw_uid, pw.pw_gid, 0o644)
    out.append(("readable by others", p,
                ["readable by others (mode 0644)", "run `chmod 0600 %s`" % p]))
    daemon = pwd.getpwnam("daemon")
    p = key("third.private", daemon.pw_uid, daemon.pw_gid, 0o600)
    out.append(("owned by a third user, named", p,
                ["owned by daemon, not by root nor %s" % user,
                 "run `chown %s %s`" % (user, p)]))
    sticky = w.sub("sticky")
    os.chmod(sticky, 0o1777)
    p = give_key(dc.openssl_key(os.path.join(sticky, "k.private"), "ed25519"))
    out.append(("under a sticky world-writable directory", p,
                ["%s: directory on the key path is writable by others (mode 1777)" % sticky]))
    return out


def main():
    if os.geteuid() != 0:
        skip("needs root (keys owned by site.user and by root)")
    dkim = milter_binary("dkim")
    user = run_user()
    with Workdir(prefix="milterkit-keyrule-", base=key_base()) as w:
        for label, path, want in cases(w, user):
            conf = w.file("%s.conf" % os.path.basename(path),
                          (CONF % (user, path)).replace("@SOCKET@", "unix:%s/m.sock" % w.path))
            rc, out = run_program([dkim, "-n", "-c", conf])
            if want is None:
                check(rc == 0 and "configuration OK" in out, "-n accepts: " + label, rc, out)
            else:
                check(rc == 1 and all(s in out for s in want) and ":3: dkim.keys[0].key:" in out,
                      "-n refuses with the fix: " + label, rc, out, want)
            # The start as root applies the same rule before dropping.
            d = milter_daemon("dkim", CONF % ("@USER@", path), ready=want is None)
            with d:
                if want is not None:
                    status = d.wait_exit(30)
                    log = "\n".join(d.lines)
                    check(status == 1 and all(s in log for s in want),
                          "start refuses: " + label, status, log)
            # (The exit status of a daemon stopped right after its start is
            # not judged here: it is sometimes 1, a libmilter stop race.)


run_test(main)
