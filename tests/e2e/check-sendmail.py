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
    FAIL for nobody (without RunAsUser sendmail connects as root: ok);
  - SPF and DMARC judged by milterkit's own engines (lib/auth): a key domain
    lists.example.net whose SPF passes through a ptr: term (the relay's
    forward-confirmed name; "unknown" to the evaluator milterkit-check had
    before), and whose DMARC policy is example.net's, its organizational
    domain, with the p= that applies to subdomains without sp=.
sendmail is not started: milterkit-check reads sendmail.cf."""

import os
import re

from mktest import run_test
from mktest.checksite import SELECTOR, Site, key_entry, make_key, site_records
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


def rfc_dns(s):
    key2, record2 = make_key(s.work, 'lists')

    def records(dns):
        site_records(dns, {'%s._domainkey.example.net' % SELECTOR: s.record,
                           'lists._domainkey.lists.example.net': record2,
                           'lists.example.net': 'v=spf1 ptr:isp.example -all'})
        dns.ptr('127.0.0.9', 'smtp.isp.example')

    r = s.check_dns('rfc.conf', records, keys=[
        key_entry('example.net', SELECTOR, s.key), key_entry('lists.example.net', 'lists', key2)])
    check(r.returncode == 0, 'exit %d, want 0' % r.returncode)
    it = s.item(r, 'ok', 'spf lists.example.net')
    check('for 127.0.0.9 (smtp.isp.example): pass, decided by ptr:isp.example' in it, it)
    it = s.item(r, 'ok', 'dmarc lists.example.net')
    check('_dmarc.example.net (the organizational domain of lists.example.net): '
          'p=quarantine t=n psd=u; receivers apply p=quarantine' in it, it)
    it = s.item(r, 'ok', 'dmarc example.net')
    check('_dmarc.example.net (its own record)' in it, it)


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
        before = os.stat(sock)
        # The daemon gives its socket to site.user (nobody here): root's
        # socket stands for one the RunAsUser does not own.
        os.chown(sock, 0, -1)
        os.chmod(sock, 0o600)
        try:
            r = edited(s, lambda t: t + 'O RunAsUser=nobody\n')
        finally:
            os.chown(sock, before.st_uid, before.st_gid)
            os.chmod(sock, 0o660)
        check('milters are called by nobody (RunAsUser)' in s.item(r, 'ok', 'mta sendmail'), 'user')
        it = s.item(r, 'FAIL', 'mta-access relay')
        check('the sendmail user nobody cannot connect to milterkit-relay' in it, it)
        s.item(r, 'ok', 'mta-access masq')

        rfc_dns(s)


run_test(test)
