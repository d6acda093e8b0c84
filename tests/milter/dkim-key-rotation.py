"""dkim-key-rotation.py - key rotation by SIGUSR1, as the README says to do
it: the daemon started as root signs with selector "jan"; a new key made as
root and given to site.user (chown, 0600) is added to the config as selector
"feb" beside "jan"; after SIGUSR1 (the reload runs as site.user and reads
the new key) the next signed message carries s=feb too; with "jan" removed
and another SIGUSR1, only s=feb, which verifies with feb's record.  A later
reload naming a root-owned 0600 key is refused with the fix in the log, and
feb keeps signing.  Needs root to start as root and drop privileges, as the
unit does."""
import os

from mktest import check, give_key, run_test, skip
from mktest import dkimtest as dc


def selectors(res):
    import re
    return [re.search(r"\bs=([^;\s]+)", s).group(1) for s in dc.signatures(res)]


def main():
    if os.geteuid() != 0:
        skip("needs root: the reload must run as site.user after the start as root")
    with dc.Keys() as keys:
        keys.make("example.net", "jan", "rsa")
        with dc.start(dc.dkim_conf(keys, source=False)) as d:
            d.wait_for_log(r"running as nobody")
            res = dc.send(d.socket, dc.message(), qid="QJAN")
            check(selectors(res) == ["jan"], "signed with jan before the rotation", res.mods)

            # The new selector, made as root and given to site.user, added.
            keys.make("example.net", "feb", "rsa")
            d.write_file("milterkit.conf", dc.dkim_conf(keys, source=False))
            mark = d.reload()
            d.wait_for_log(r"configuration reloaded \(generation 2\)", timeout=30, since=mark)
            res = dc.send(d.socket, dc.message(), qid="QBOTH")
            check(sorted(selectors(res)) == ["feb", "jan"],
                  "the next message carries the new selector (and the old one)", res.mods)

            # The old one retired.
            del keys.keys[("example.net", "jan")]
            d.write_file("milterkit.conf", dc.dkim_conf(keys, source=False))
            mark = d.reload()
            d.wait_for_log(r"configuration reloaded \(generation 3\)", timeout=30, since=mark)
            res = dc.send(d.socket, dc.message(), qid="QFEB")
            check(selectors(res) == ["feb"], "then only the new selector", res.mods, d.log_tail())
            check(dc.dkimpy_verify_all(dc.delivered(res), keys.dnsfunc) == [True],
                  "and it verifies with feb's record")

            # A root-owned 0600 key: the reload (as nobody) says why and what to run.
            path = keys.make("example.net", "mar", "rsa")
            os.chown(path, 0, 0)
            d.write_file("milterkit.conf", dc.dkim_conf(keys, source=False))
            mark = d.reload()
            d.wait_for_log(r"reload: .*%s: key file \(owner root, group root, mode 0600\) is "
                           r"not readable by nobody.*run `chown nobody " % path,
                           timeout=30, since=mark)
            d.wait_for_log(r"reload failed: keeping the running configuration", since=mark)
            res = dc.send(d.socket, dc.message(), qid="QKEEP")
            check(selectors(res) == ["feb"], "refused reload: feb keeps signing", res.mods)
        check(d.returncode == 0, "clean exit on SIGTERM", d.returncode)


run_test(main)
