"""milterkit-check on a sendmail site (mktest.checksite: test DNS, the three
daemons, the sendmail.cf that milterkit-mc generates with the unpacked
sendmail-cf tree): every check ok and exit 0; then what differs from
Postfix, read from sendmail.cf:
  - an X line without F=T, or with other flags only: "mta milters
    InputMailFilters" FAIL (sendmail passes mail unfiltered when that
    milter is down);
  - the filters out of order, one left out of InputMailFilters, no
    InputMailFilters at all (no filter is called): FAIL, with the
    InputMailFilters line that fixes it;
  - no daemon on the submission port: "mta submission" FAIL;
  - RunAsUser=nobody and a socket only root may write to: "mta-access"
    FAIL for nobody (without RunAsUser sendmail connects as root: ok).
sendmail is not started: milterkit-check reads sendmail.cf."""

import os
import re

from mktest import run_test
from mktest.checksite import Site
from mktest.mcsetup import check


def edited(s, fn):
    """Runs milterkit-check on sendmail.cf as fn(text) rewrites it."""
    with open(s.cf) as f:
        text = f.read()
    try:
        with open(s.cf, 'w') as f:
            f.write(fn(text))
        return s.check()
    finally:
        with open(s.cf, 'w') as f:
            f.write(text)


def test():
    with Site('sendmail') as s:
        r = s.check()
        check(r.returncode == 0, 'exit %d, want 0' % r.returncode)
        check(set(s.statuses(r).values()) == {'ok'}, 'not all ok')
        check('milters are called by root' in s.item(r, 'ok', 'mta sendmail'), 'user')
        s.item(r, 'ok', 'mta milters InputMailFilters (sendmail.cf)')
        s.item(r, 'ok', 'mta submission')
        s.item(r, 'ok', 'mta-access relay')
        with open(s.cf) as f:
            text = f.read()
        check(re.search(r'^O InputMailFilters=milterkit-relay, milterkit-masq, milterkit-dkim$',
                        text, re.M), 'unexpected InputMailFilters line')
        chain = 'mta milters InputMailFilters (sendmail.cf)'

        r = edited(s, lambda t: re.sub(r'^(Xmilterkit-dkim, .*), F=T', r'\1', t, flags=re.M))
        check(r.returncode == 2, 'exit %d, want 2' % r.returncode)
        it = s.item(r, 'FAIL', chain)
        check('milterkit-dkim fails open: its X line has no F=T' in it, it)
        check('F=T in the X line' in it, 'fix: ' + it)

        # F= with other flags than T or R fails open too.
        r = edited(s, lambda t: re.sub(r'^(Xmilterkit-relay, .*), F=T', r'\1, F=4',
                                       t, flags=re.M))
        it = s.item(r, 'FAIL', chain)
        check('milterkit-relay fails open' in it and 'milterkit-dkim fails' not in it, it)

        r = edited(s, lambda t: t.replace(
            'InputMailFilters=milterkit-relay, milterkit-masq',
            'InputMailFilters=milterkit-masq, milterkit-relay'))
        it = s.item(r, 'FAIL', chain)
        check('is called before' in it, it)
        check('O InputMailFilters=milterkit-relay, milterkit-masq, milterkit-dkim' in it,
              'fix: ' + it)

        r = edited(s, lambda t: t.replace('milterkit-relay, milterkit-masq, ', 'milterkit-relay, '))
        it = s.item(r, 'FAIL', chain)
        check('milterkit-masq' in it and 'is not in it' in it, it)

        r = edited(s, lambda t: re.sub(r'^O InputMailFilters=.*\n', '', t, flags=re.M))
        it = s.item(r, 'FAIL', chain)
        check(it.count('is not in it') == 3, it)

        r = edited(s, lambda t: re.sub(r'^O DaemonPortOptions=Port=587.*\n', '', t, flags=re.M))
        it = s.item(r, 'FAIL', 'mta submission')
        check('no DaemonPortOptions with Port=587' in it, it)

        sock = os.path.join(s.sockdir, 'relay.sock')
        os.chmod(sock, 0o600)
        try:
            r = edited(s, lambda t: t + 'O RunAsUser=nobody\n')
        finally:
            os.chmod(sock, 0o660)
        check('milters are called by nobody (RunAsUser)' in s.item(r, 'ok', 'mta sendmail'), 'user')
        it = s.item(r, 'FAIL', 'mta-access relay')
        check('the sendmail user nobody cannot connect to milterkit-relay' in it, it)
        s.item(r, 'ok', 'mta-access masq')


run_test(test)
