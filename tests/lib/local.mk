# tests/lib/local.mk - mktest, the one Python library of the milter-level
# and e2e tests (and of tests/demo.py and the benchmark).  make check puts
# tests/lib on PYTHONPATH (AM_TESTS_ENVIRONMENT in Makefile.am).
EXTRA_DIST += tests/lib/mktest/__init__.py tests/lib/mktest/runner.py \
	tests/lib/mktest/paths.py tests/lib/mktest/net.py tests/lib/mktest/proc.py \
	tests/lib/mktest/daemon.py tests/lib/mktest/milterclient.py \
	tests/lib/mktest/mta.py tests/lib/mktest/testdns.py tests/lib/mktest/sink.py \
	tests/lib/mktest/ispsink.py tests/lib/mktest/miltertap.py \
	tests/lib/mktest/passthrough.py tests/lib/mktest/mcsetup.py \
	tests/lib/mktest/dkimtest.py tests/lib/mktest/authres.py tests/lib/mktest/op25b.py \
	tests/lib/mktest/checksite.py tests/lib/mktest/machine.py \
	tests/lib/mktest/op25b_demo.py tests/lib/mktest/install.py \
	tests/lib/mktest/unitsandbox.py tests/lib/mktest/protofuzz.py \
	tests/lib/mktest/readme.py tests/lib/mktest/conftext.py \
	tests/lib/mktest/installpath.py tests/lib/mktest/readmedeb.py \
	tests/lib/mktest/benchutil.py
