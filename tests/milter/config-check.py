"""config-check.py - `milterkit-masq -n` accepts the sample config and refuses
a config with a typo in a key name, naming FILE:LINE and the key; the errors
each milter finds only when it opens what the config names (key files, maps)
name FILE:LINE and the key too.  Each message of the loader as a user sees
it: names with FILE:LINE, key and value; every error in one run (a field
error does not hide the section's own check); did-you-mean for keys,
sections and on_* names; a required key of a missing section; a syntax
error with what and where.  The command line of every daemon: --help,
--version, usage errors (exit 64)."""
import os
import re
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
        ("dkim", conf, [":8: dkim.keys[0].key: example.net/a:",
                        ":10: dkim.keys[1].key: example.net/b:",
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


SITE = 'site: { domain = "example.net"; hostname = "mail.example.net"; };\n'

# (program, config text, [wanted substrings after the path], must be absent)
MESSAGES = [
    # a name: FILE:LINE, key, the value and why
    ("masq", SITE + 'masq: { as = "example.net";\n  domains = ["home..example.net"]; };\n',
     [':3: masq.domains: "home..example.net": empty label (two dots in a row, or a '
      'leading dot)'], None),
    ("masq", SITE + 'masq: { as = "exa mple.net"; };\n',
     [':2: masq.as: "exa mple.net": only letters, digits'], None),
    ("relay", SITE + 'relay: {\n local_domains = ["example.net", "-x.example.net"]; };\n',
     [':3: relay.local_domains: "-x.example.net": a label starts or ends with \'-\''], None),
    ("dkim", SITE + 'dkim: { keys = ( { domain = "example.net";\n selector = "s_1"; '
     'key = "/k"; } ); };\n', [':3: dkim.keys[0].selector: "s_1": only letters'], None),
    ("dkim", SITE + 'dkim: { keys = ( { domain = "net"; selector = "s1"; key = "/k"; } ); };\n',
     [':2: dkim.keys[0].domain: "net": one label only'], None),
    # every error in one run: the section's own check (as missing) runs
    # although a field of the section failed; a failed field it reads does
    # not give a second, cascading error
    ("masq", SITE + 'masq: {\n  domains = ["a..b"];\n  entire_domain = 1; };\n',
     [':3: masq.domains: "a..b"', ':4: masq.entire_domain: must be true or false',
      ':2: masq.as: not set, so this section changes nothing'], None),
    ("masq", SITE + 'masq: {\n  as = 5; };\n', [':3: masq.as: must be a string'],
     'not set'),
    # did you mean
    ("masq", SITE + 'masq: { as = "example.net"; domians = ["x.example.net"]; };\n',
     [':2: masq.domians: unknown key; did you mean "domains"?'], None),
    ("masq", SITE + 'masq: { as = "example.net"; };\nrelya: { };\n',
     [':3: relya: unknown section; did you mean "relay"?'], None),
    ("masq", SITE + 'masq: { as = "example.net"; on_error = "tempfial"; };\n',
     [':2: masq.on_error: must be "tempfail", "accept" or "reject", not "tempfial"; '
      'did you mean "tempfail"?'], None),
    ("relay", SITE + 'relay: { on_dns_error = "accept"; };\n',
     [':2: relay.on_dns_error: must be "tempfail" or "reject", not "accept"'], None),
    ("dkim", SITE + 'dkim: { on_bad_signature = "rejcet"; };\n',
     [':2: dkim.on_bad_signature: must be "tempfail", "accept" or "reject", not "rejcet"; '
      'did you mean "reject"?'], None),
    # dkim.spf, dkim.dmarc (issue 12): enums, limits, the DMARC-needs-SPF
    # rule at the line of dmarc, networks
    ("dkim", SITE + 'dkim: {\n  dmarc = { on_policy_reject = "rejct"; }; };\n',
     [':3: dkim.dmarc.on_policy_reject: must be "annotate", "reject" or "quarantine", '
      'not "rejct"; did you mean "reject"?'], None),
    ("dkim", SITE + 'dkim: {\n  dmarc = { on_policy_quarantine = "reject"; }; };\n',
     [':3: dkim.dmarc.on_policy_quarantine: must be "annotate" or "quarantine", '
      'not "reject"'], None),
    ("dkim", SITE + 'dkim: {\n  dmarc = { on_temperror = "reject"; }; };\n',
     [':3: dkim.dmarc.on_temperror: must be "tempfail" or "accept", not "reject"'], None),
    ("dkim", SITE + 'dkim: { spf = {\n max_lookups = 20; max_void_lookups = 0; }; };\n',
     [':3: dkim.spf.max_lookups:', ':3: dkim.spf.max_void_lookups:'], None),
    ("dkim", SITE + 'dkim: { spf = { enable = false; };\n  dmarc = { enable = true; }; };\n',
     [':3: dkim.dmarc: enabled while spf is not'], None),
    ("dkim", SITE + 'dkim: {\n  trusted_relays = ["192.0.2.0/33"];\n  dns_budget = 60; };\n',
     [':3: dkim.trusted_relays:', ':4: dkim.dns_budget:'], None),
    ("dkim", SITE + 'dkim: { dmarc = {\n  on_policy_rejects = "reject"; }; };\n',
     [':3: dkim.dmarc.on_policy_rejects: unknown key; did you mean "on_policy_reject"?'],
     None),
    # a required key of a section the file does not have
    ("masq", 'masq: { as = "example.net"; };\n',
     [': site.domain: is required, and the file has no site section'], ':0:'),
    # syntax errors: what and where, and where the mistake began
    ("masq", SITE + 'masq: { as = "example.net";\n  domains = ["a.example.net",\n'
     '    "b.example.net"\n};\n',
     [':5: syntax error at: };', ":3: '[' opened here is closed by '}' on line 5"],
     'syntax error: syntax error'),
    ("masq", SITE + 'masq: { as = "example.net;\n  domains = ["a.example.net"]; };\n',
     [':2: a string opened here runs past the end of its line'], None),
]

GOOD = [
    # masq without as: fine when always_add_domain (or generics) gives it
    # something to do, as milterkit-masq(8) says
    ("masq", SITE + 'masq: { always_add_domain = true; };\n'),
    ("relay", SITE + 'relay: { local_domains = ["example.net."]; on_dns_error = "reject"; };\n'),
    ("masq", SITE + 'masq: { as = "example.net"; domains = ["my_lan.example.net"]; };\n'),
    ("dkim", SITE + 'dkim: { dns_budget = 5; trusted_relays = ["192.0.2.0/24", "2001:db8::/32"];\n'
     '  spf = { max_lookups = 5; max_void_lookups = 1; };\n'
     '  dmarc = { on_policy_reject = "quarantine"; on_policy_quarantine = "quarantine";\n'
     '            on_temperror = "tempfail"; }; };\n'),
    ("dkim", SITE + 'dkim: { spf = { enable = false; }; dmarc = { enable = false; }; };\n'),
]


def messages():
    failures = []
    for name, text, wants, absent in MESSAGES:
        rc, out, path = check(text, binary(name))
        for want in wants:
            if rc != 1 or path + want not in out:
                failures.append("%s -n: want rc 1 and %r, got rc %d: %r"
                                % (name, path + want, rc, out))
        if absent is not None and absent in out:
            failures.append("%s -n: %r must not be in %r" % (name, absent, out))
    for name, text in GOOD:
        rc, out, path = check(text, binary(name))
        if rc != 0 or "configuration OK" not in out:
            failures.append("%s -n refused %r: %r" % (name, text, out))
    return failures


def domains_file(tmp):
    """A bad line of masq.domains_file: its file and line, under the config
    line of the key that names the file."""
    dfile = os.path.join(tmp, "domains")
    with open(dfile, "w") as f:
        f.write("home.example.net\n# c\nlab..example.net\n")
    rc, out, path = check(SITE + 'masq: { as = "example.net";\n domains_file = "%s"; };\n'
                          % dfile)
    want = '%s:3: masq.domains_file: %s:3: "lab..example.net": empty label' % (path, dfile)
    if rc != 1 or want not in out:
        return ["domains_file: want rc 1 and %r, got %d: %r" % (want, rc, out)]
    return []


def command_line(name):
    """--help and -h print the usage with one line per option, exit 0;
    --version and -V the version; a usage error exits 64 with the usage."""
    prog = binary(name)
    failures = []

    def run(*args):
        return subprocess.run([prog] + list(args), capture_output=True, text=True, timeout=30)

    for opt in ("-h", "--help"):
        p = run(opt)
        lines = p.stdout.splitlines()
        if p.returncode != 0 or not p.stdout.startswith("usage: milterkit-%s " % name):
            failures.append("%s %s: rc %d %r" % (name, opt, p.returncode, p.stdout + p.stderr))
        for o in ("-c FILE", "-f ", "-n ", "-V, --version", "-h, --help"):
            if sum(1 for l in lines if l.lstrip().startswith(o)) != 1:
                failures.append("%s %s: no line of its own for %r: %r" % (name, opt, o, lines))
    for opt in ("-V", "--version"):
        p = run(opt)
        if p.returncode != 0 or not re.match(r"milterkit-%s \d" % name, p.stdout):
            failures.append("%s %s: rc %d %r" % (name, opt, p.returncode, p.stdout))
    for args, msg in ((["-x"], "unknown option -x"), (["--bogus"], "unknown option --bogus"),
                      (["-c"], "option -c needs an argument"),
                      (["-n", "extra"], "unexpected argument extra")):
        p = run(*args)
        if p.returncode != 64 or msg not in p.stderr or "usage:" not in p.stderr:
            failures.append("%s %s: want 64 and %r, got %d %r"
                            % (name, args, msg, p.returncode, p.stderr))
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

    failures += messages()
    with tempfile.TemporaryDirectory() as tmp:
        failures += domains_file(tmp)
    for name in ("masq", "relay", "dkim"):
        failures += command_line(name)

    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok: sample accepted, typo refused with file:line and key, all errors listed,"
              " errors about keys and maps name file:line and key, every loader message,"
              " --help/--version/usage errors of the three daemons")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
