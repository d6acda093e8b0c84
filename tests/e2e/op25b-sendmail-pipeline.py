"""The OP25B pipeline of op25b_pipeline.py on a real sendmail 8.17 (the
Postfix twin is op25b-postfix-pipeline.py).  One difference is asserted:
with a wrong smarthost password sendmail returns the mail to its sender
with the ISP's 530 (its client cannot defer there) instead of queueing it;
it never sends it unauthenticated."""


from mktest import run_test
from mktest.op25b import run_checks

run_test(lambda: run_checks('sendmail'))
