"""mktest.op25b_demo - the README's "home server behind OP25B" as a
demonstration, on a private MTA on loopback (the machine's own MTA and its
/etc/mail, /etc/postfix, /etc/sasl2 are never touched):

    PYTHONPATH=tests/lib /usr/bin/python3 -m mktest.op25b_demo [postfix|sendmail]

(from a build directory, with top_srcdir/top_builddir set, or called by
tests/demo.py as op25b_demo.run(flavor)).  It generates the MTA's
configuration with milterkit-mc, starts the test DNS, the three milters, the
MTA and a fake ISP relay demanding STARTTLS and AUTH on a port standing for
587, submits one message as a roaming user (STARTTLS, AUTH PLAIN) from
john@pc1.home.example.net, and prints the message as the ISP received it
with dkimpy's verdict.  Exit status 0 when it arrived masqueraded and
signed, and the signature verifies.
"""

import sys

from . import Skip, log
from .op25b import Pipeline, message, show, submit


def run(flavor='postfix', out=sys.stdout):
    """Run the demonstration on FLAVOR; print to OUT; return True when the
    message arrived masqueraded, signed and verified."""
    with Pipeline(flavor) as p:
        print('milterkit-mc generated the %s configuration in %s; started '
              'the test DNS, milterkit-relay, -masq, -dkim, %s (submission '
              'on 127.0.0.1:%d) and the ISP relay (127.0.0.1:%d, STARTTLS + '
              'AUTH required).' % (flavor, p.out, flavor, p.sub_port,
                                   p.isp.port), file=out)
        print('Submitting as john (AUTH PLAIN after STARTTLS) from '
              '127.0.0.66, From: john@pc1.home.example.net ...', file=out)
        submit(p.sub_port, 'PLAIN', data=message('Hello from the road',
                                                 'demo'))
        msg = p.isp.wait(1, timeout=60)[0]
        verdict = p.verify(msg)
        print(show(msg, verdict), file=out)
        try:
            p.check_delivered(msg)
        except AssertionError as e:
            print('NOT as expected: %s' % e, file=out)
            return False
        return verdict


def main(argv):
    flavor = argv[1] if len(argv) > 1 else 'postfix'
    if flavor not in ('postfix', 'sendmail'):
        print('usage: op25b_demo.py [postfix|sendmail]', file=sys.stderr)
        return 2
    try:
        return 0 if run(flavor) else 1
    except Skip as e:
        log('cannot run the demo: %s' % e)
        return 77


if __name__ == '__main__':
    sys.exit(main(sys.argv))
