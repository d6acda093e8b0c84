"""The OP25B pipeline of op25b_pipeline.py on a real sendmail 8.17 (the
Postfix twin is op25b-postfix-pipeline.py).  One difference is asserted:
with a wrong smarthost password sendmail returns the mail to its sender
with the ISP's 530 (its client cannot defer there) instead of queueing it;
it never sends it unauthenticated."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import run_test  # noqa: E402
from op25b_pipeline import run_checks  # noqa: E402

run_test(lambda: run_checks('sendmail'))
