"""tests/demo.py - the OP25B pipeline of milterkit, shown on loopback.

Started by tests/demo.sh after the build.  It runs the whole pipeline once
(tests/e2e/mc-pipeline-postfix.py, or -sendmail.py with
MILTERKIT_DEMO_MTA=sendmail): milterkit-mc writes the MTA configuration
from one milterkit.conf; a private MTA on loopback gets a submission port
with STARTTLS and SMTP AUTH and the three milters in order (relay, masq,
dkim); a fake ISP relay demands STARTTLS and AUTH, as the ISP's port 587
does; a test DNS serves the DKIM key made for the run.  A roaming user
submits as roamer@laptop.home.example.net with AUTH PLAIN and LOGIN, and
the demo prints each message as the ISP relay received it (envelope and
From masqueraded, a DKIM-Signature) and dkimpy's verdict on it.  Nothing of
the machine's own MTA is touched.
"""
import os
import subprocess
import sys

TOP = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    flavor = os.environ.get("MILTERKIT_DEMO_MTA", "postfix")
    script = os.path.join(TOP, "tests", "e2e", "mc-pipeline-%s.py" % flavor)
    print("running the OP25B pipeline on a private %s (%s)" % (flavor, os.path.basename(script)))
    p = subprocess.run(["/usr/bin/python3", script], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=600)
    show = False
    for line in p.stdout.splitlines():
        if line.startswith("e2e: "):
            show = line.startswith("e2e: ISP received:") or "dkimpy" in line
            if show:
                print("\n=== " + line[5:])
            continue
        if show:
            print(line)
    if p.returncode == 77:
        print("\nthe demo could not run here:\n" + p.stdout[-2000:])
        return 1
    if p.returncode != 0:
        print("\nthe pipeline FAILED:\n" + p.stdout[-6000:])
        return 1
    print("\nOK: mail from the road left through the ISP relay with AUTH, masqueraded "
          "and signed, and the signature verifies.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
