"""config-check.py - `milterkit-masq -n` accepts the sample config and refuses
a config with a typo in a key name, naming FILE:LINE and the key; the errors
each milter finds only when it opens what the config names (key files, maps)
name FILE:LINE and the key too."""
import os
import subprocess
import sys
import tempfile

top_builddir = os.environ["top_builddir"]
top_srcdir = os.environ["top_srcdir"]
masq = os.path.join(top_builddir, "milters", "masq", "milterkit-masq")


def binary(name):
    return os.path.join(top_builddir, "milters", name, "milterkit-" + name)


def check(conf_text, program=masq):
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write(conf_text)
        path = f.name
    try:
        p = subprocess.run([program, "-n", "-c", path], capture_output=True, text=True,
                           timeout=30)
        return p.returncode, p.stdout + p.stderr, path
    finally:
        os.unlink(path)


def prepare_errors(tmp):
    """Files named by the config that cannot be used: the error names the
    config line of the key that names them."""
    logins = os.path.join(tmp, "logins")
    with open(logins, "w") as f:
        f.write("joe joe@example.net\nann ann@\n")
    conf = ('site: { domain = "example.net"; hostname = "mail.example.net"; };\n'
            'masq: { as = "example.net";\n'
            '        generics = "%(tmp)s/no-generics"; };\n'
            'relay: {\n'
            '  access = "%(tmp)s/no-access";\n'
            '};\n'
            'dkim: { keys = (\n'
            '  { domain = "example.net"; selector = "a"; key = "%(tmp)s/no-a"; },\n'
            '  { domain = "example.net"; selector = "b";\n'
            '    key = "%(tmp)s/no-b"; }\n'
            '); };\n') % {"tmp": tmp}
    cases = [
        ("masq", conf, [":3: masq.generics: %s/no-generics:" % tmp]),
        ("relay", conf, [":5: relay.access: %s/no-access:" % tmp]),
        ("relay", conf.replace('access = "%s/no-access"' % tmp,
                               'sender_logins = "%s"' % logins),
         [':5: relay.sender_logins: %s:2: "ann@" is neither' % logins]),
        ("dkim", conf, [":8: dkim.keys.[0].key: example.net/a:",
                        ":10: dkim.keys.[1].key: example.net/b:",
                        ":3: masq.generics:"]),
    ]
    failures = []
    for name, text, wants in cases:
        rc, out, path = check(text, binary(name))
        for want in wants:
            if rc != 1 or path + want not in out:
                failures.append("%s -n: want rc 1 and %r, got rc %d: %r"
                                % (name, path + want, rc, out))
    return failures


def main():
    failures = []
    sample = os.path.join(top_srcdir, "etc", "milterkit.conf")
    p = subprocess.run([masq, "-n", "-c", sample], capture_output=True, text=True, timeout=30)
    if p.returncode != 0 or "configuration OK" not in p.stdout:
        failures.append("sample config refused: %s" % (p.stdout + p.stderr))

    good = ('site: { domain = "example.net"; hostname = "mail.example.net"; };\n'
            'masq: { as = "example.net";\n'
            '        domains = ["home.example.net"]; };\n')
    rc, out, _ = check(good)
    if rc != 0:
        failures.append("good config refused: " + out)

    typo = good.replace("domains =", "domians =")
    rc, out, path = check(typo)
    want = "%s:3: masq.domians: unknown key" % path
    if rc != 1 or want not in out:
        failures.append("typo: want rc 1 and %r, got rc %d: %r" % (want, rc, out))

    two = typo.replace('as = "example.net"', 'as = 5')
    rc, out, path = check(two)
    if rc != 1 or ("%s:2: masq.as" % path) not in out or "masq.domians" not in out:
        failures.append("two errors: both must be reported: %r" % out)

    rc, out, _ = check('masq: { as = "example.net"; };\n')
    if rc != 1 or "site.domain: is required" not in out:
        failures.append("missing site.domain not reported: %r" % out)

    with tempfile.TemporaryDirectory() as tmp:
        failures += prepare_errors(tmp)

    p = subprocess.run([masq, "-V"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0 or not p.stdout.startswith("milterkit-masq "):
        failures.append("-V: %r" % p.stdout)
    p = subprocess.run([masq, "-x"], capture_output=True, text=True, timeout=30)
    if p.returncode != 2 or "usage:" not in p.stderr:
        failures.append("bad option: rc %d %r" % (p.returncode, p.stderr))

    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok: sample accepted, typo refused with file:line and key, all errors listed,"
              " errors about keys and maps name file:line and key")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
