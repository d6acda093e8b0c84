"""readme-install.py - the README's install section reads as the e2e test
that follows it (tests/e2e/readme-install-*.py, mktest.installpath) needs,
checked in a second without a machine:
  - steps 0 to 7 in order; for each MTA one step-0 command that installs it;
    a command that names one MTA (postfix, sendmail) is marked for it;
  - step 1 builds a package (dpkg-buildpackage) before the command that
    installs ../milterkit_*.deb, and for sendmail copies its sample;
  - every setting of step 3 names a setting of both samples (etc/), with the
    value the sample has (the samples are made for the README's names);
  - the sentences the e2e test acts on are there;
  - "Rotating the DKIM key" and "Upgrading" give commands, and "Upgrading"
    builds as step 1 does.
"""
import os

from mktest import check, run_test, top_srcdir
from mktest import conftext
from mktest.installpath import ACTED_ON, TITLE, build_commands, install_index
from mktest.readme import MTAS, Section


def main():
    top = top_srcdir()
    sec = Section.load(os.path.join(top, 'README'), TITLE)
    names = [b.name for b in sec.steps()]
    check(names == [str(i) for i in range(8)], 'README steps: %s' % names)
    for mta in MTAS:
        cmds = sec.block('0').commands(mta)
        check(len(cmds) == 1 and mta in cmds[0].split(), 'step 0 for %s: %s' % (mta, cmds))
    step1 = sec.block('1')
    build_commands(step1)
    check('../milterkit_*.deb' in step1.commands()[install_index(step1)],
          'step 1 installs ../milterkit_*.deb')
    check(any('milterkit-sendmail.conf' in c for c in step1.commands('sendmail')) and
          not any('milterkit-sendmail.conf' in c for c in step1.commands('postfix')),
          'step 1 copies the sendmail sample for sendmail only')
    samples = {}
    for name in ('milterkit.conf', 'milterkit-sendmail.conf'):
        with open(os.path.join(top, 'etc', name)) as f:
            samples[name] = f.read()
    settings = sec.block('3').settings()
    check(len(settings) >= 5, 'step 3 lists the settings to change: %s' % settings)
    for s in settings:
        for name, text in samples.items():
            try:
                value = conftext.get(text, s.path)
            except KeyError:
                raise AssertionError('README step 3 sets %s, which etc/%s does not have'
                                     % (s.path, name))
            check(' '.join(value.split()) == ' '.join(s.value.split()),
                  'README step 3: %s = %s; etc/%s has %s' % (s.path, s.value, name, value))
    for b in sec.blocks:
        for item in b.items():
            words = set(item.text.split())
            check(item.kind != 'cmd' or item.mta or not words & set(MTAS),
                  '%s: `%s` names one MTA but is not marked "# Postfix" or "# sendmail"'
                  % (b.label(), item.text))
    for block, phrase in ACTED_ON:
        sec.block(block).require(phrase)
    rotate = sec.block('Rotating the DKIM key').commands()
    check(any(c.startswith('milterkit-keygen ') for c in rotate) and
          'systemctl reload milterkit-dkim' in rotate, 'rotation commands: %s' % rotate)
    upgrade = sec.block('Upgrading').commands()
    check(all(c in upgrade for c in build_commands(step1)),
          '"Upgrading" builds as step 1 does: %s' % upgrade)


run_test(main)
