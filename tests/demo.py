"""tests/demo.py - the OP25B pipeline of milterkit, shown on loopback.

Started by tests/demo.sh after the build; the work is done by
tests/e2e/op25b_demo.py (the same scenario as the op25b-*-pipeline e2e
tests): milterkit-mc writes the MTA configuration from one milterkit.conf;
a private MTA on loopback (Postfix, or sendmail with MILTERKIT_DEMO_MTA)
gets a submission port with STARTTLS and SMTP AUTH and the three milters
in order (relay, masq, dkim); a fake ISP relay demands STARTTLS and AUTH as
the ISP's port 587 does; a test DNS serves the DKIM key made for the run.
A roaming user submits from john@pc1.home.example.net, and the demo prints
the message as the ISP relay received it (envelope and From masqueraded, a
DKIM-Signature) and the verdict of dkimpy, an independent verifier.
Nothing of the machine's own MTA is touched.
"""
import os
import sys

from mktest import op25b_demo

if __name__ == "__main__":
    sys.exit(op25b_demo.main([sys.argv[0], os.environ.get("MILTERKIT_DEMO_MTA", "postfix")]))
