"""The home server behind OP25B (op25b_pipeline.py) on a real Postfix 3.7, configured by milterkit-mc
from one milterkit.conf that the three milters read too (see
op25b_pipeline.py): a roaming client (127.0.0.66, outside
internal_networks) submits on the submission port with STARTTLS and AUTH
PLAIN, then LOGIN; the MTA runs milterkit-relay, -masq and -dkim and relays
through a fake ISP relay on "587" demanding STARTTLS and AUTH.  The ISP
receives john@example.net (envelope and From:, masqueraded from
john@pc1.home.example.net) with a DKIM-Signature d=example.net that dkimpy
verifies with the key from the test DNS, and saw AUTH succeed.  Negative
cases: AUTH is not offered before STARTTLS; submission without AUTH is
refused (5xx); a wrong user password gets 535; port 25 from an outside
address cannot relay; a wrong smarthost password leaves the mail queued
(the log says why), and it leaves once the password is right again."""


from mktest import run_test
from mktest.op25b import run_checks

run_test(lambda: run_checks('postfix'))
