"""config-warnings.py - milterkit-dkim's checks across sections: a legal
config whose domains disagree (masq.as = "exmaple.net", a dkim key for a
domain nothing sends as) gives warnings, never errors:
  - `-n` prints them as FILE:LINE: key: warning: ... and exits 0;
  - the daemon logs them when it starts, and after a reload ("reload: ...");
  - none for a config whose domains agree, none for a key domain listed in
    relay.local_domains, none for a subdomain of a key's domain with
    dkim.sign_subdomains.
Keys are real (openssl), the daemon is the built milterkit-dkim."""
import os
import re
import subprocess

from mktest import check, milter_binary, run_test, Workdir
from mktest import dkimtest as dc

SITE = ('site: { domain = "example.net"; hostname = "mail.example.net"; '
        'user = "@USER@"; };\n')


def conf(keys, masq_as="example.net", domains=("example.net",), extra="", relay=""):
    text = SITE + 'masq: { as = "%s"; domains = ["home.example.net"]; };\n' % masq_as
    text += relay
    # The daemon reloads as site.user: keys readable by it (the key file
    # rule is milterkit-dkim's, not what this test is about).
    text += ('dkim: { socket = "@SOCKET@"; check_key_permissions = false;\n  keys = %s;\n'
             '  %s };\n' % (keys.config_entries(domains), extra))
    return text


def check_n(w, name, text):
    """milterkit-dkim -n on text; returns (rc, stdout, stderr, path)."""
    path = os.path.join(w.path, name + ".conf")
    with open(path, "w") as f:
        f.write(text.replace("@USER@", "nobody").replace("@SOCKET@", "unix:/tmp/x.sock"))
    p = subprocess.run([milter_binary("dkim"), "-n", "-c", path], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr, path


def main():
    with dc.Keys() as keys, Workdir() as w:
        for d in ("example.net", "exmaple.org"):
            os.chmod(keys.make(d, "s1", "rsa", 1024), 0o644)

        rc, out, err, path = check_n(w, "good", conf(keys))
        check(rc == 0 and "configuration OK\n" in out and "warning" not in err,
              "agreeing domains: no warning", rc, out, err)

        typo = conf(keys, masq_as="exmaple.net", domains=("example.net", "exmaple.org"))
        rc, out, err, path = check_n(w, "typo", typo)
        check(rc == 0, "warnings are not errors: exit 0", rc, err)
        check("configuration OK (with the warnings above)" in out, "-n says OK with warnings",
              out)
        want = ('%s:2: masq.as: warning: no dkim key signs "exmaple.net" (dkim.keys has: '
                'example.net, exmaple.org)' % path)
        check(want in err, "masq.as not signed: FILE:LINE, key, value", want, err)
        keyline = 1 + typo.splitlines().index(
            [l for l in typo.splitlines() if "exmaple.org" in l][0])
        want = ('%s:%d: dkim.keys[1].domain: warning: "exmaple.org" is none of the domains '
                'this site sends as' % (path, keyline))
        check(want in err, "key of a domain nothing sends as", want, err)
        check(": site.domain: warning" not in err, "site.domain is signed: no warning for it", err)

        rc, out, err, path = check_n(w, "nokey", conf(keys, domains=("exmaple.org",)))
        check(rc == 0 and ': site.domain: warning: no dkim key signs "example.net"' not in err
              and ': masq.as: warning: no dkim key signs "example.net"' in err,
              "site.domain = masq.as: one warning, at masq.as", err)

        relay = 'relay: { local_domains = ["example.net", "exmaple.org"]; };\n'
        rc, out, err, path = check_n(w, "relay", conf(keys, domains=("example.net",
                                                                     "exmaple.org"),
                                                     relay=relay))
        check(rc == 0 and "warning" not in err, "a key of a relay.local_domains domain", err)

        rc, out, err, path = check_n(w, "sub", conf(keys, masq_as="sub.example.net"))
        check(': masq.as: warning: no dkim key signs "sub.example.net"' in err,
              "subdomain without sign_subdomains: not signed", err)
        rc, out, err, path = check_n(w, "subok", conf(keys, masq_as="sub.example.net",
                                                      extra="sign_subdomains = true;"))
        check(rc == 0 and "warning" not in err, "subdomain with sign_subdomains: signed", err)

        with dc.start(typo) as d:
            d.wait_for_log(r'warning: .*masq\.as: no dkim key signs "exmaple\.net"')
            d.wait_for_log(r'warning: .*dkim\.keys\[1\]\.domain: "exmaple\.org"')
            d.write_file("milterkit.conf", d.subst(conf(keys, domains=("example.net",
                                                                       "exmaple.org"))))
            mark = d.reload()
            d.wait_for_log(r"configuration reloaded", since=mark)
            d.wait_for_log(r'reload: .*dkim\.keys\[1\]\.domain: "exmaple\.org"',
                           since=mark)
            check(not re.search(r"masq\.as: warning", "\n".join(d.log_since(mark))),
                  "the fixed masq.as gives no warning after the reload", d.log_since(mark))
        # The exit status after SIGTERM is the stop tests' concern
        # (conn-lifecycle.py): it was 1 once in six runs on a loaded machine.


run_test(main)
