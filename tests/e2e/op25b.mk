# tests/e2e/op25b.mk - the home server behind OP25B, end to end on both
# MTAs: milterkit-mc's configuration, the three milters, a fake ISP relay
# demanding STARTTLS and AUTH (ispsink.py), the test DNS.  Skipped (77)
# without the unpacked MTAs or with MILTERKIT_E2E=skip.
E2E_TESTS += tests/e2e/op25b-postfix-pipeline.py
E2E_TESTS += tests/e2e/op25b-sendmail-pipeline.py
