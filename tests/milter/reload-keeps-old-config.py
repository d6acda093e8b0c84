"""reload-keeps-old-config.py - SIGUSR1 reloads milterkit-masq's config: a
broken config is logged and the old one keeps serving; a good one takes
effect for new messages, while a message in flight finishes on the config
it started with."""
from mktest import milterclient as mc
from mktest import milter_daemon, run_test, check

CONF = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@"; };
masq: { socket = "@SOCKET@"; as = "%s"; domains = ["home.example.net"];
        entire_domain = true; };
'''


def from_after(d, qid):
    res = mc.run_message(d.socket, connect=("pc1", "127.0.0.1", 40000),
                         macros=mc.mta_macros("sendmail", qid=qid),
                         mail_from="<john@pc1.home.example.net>", rcpts=["<x@example.org>"],
                         headers=[("From", " john@pc1.home.example.net")], body=b"x\r\n")
    return [m[3] for m in res.mods_of("chgheader")]


def main():
    with milter_daemon("masq", CONF % "example.net") as d:
        check(from_after(d, "Q1") == [" john@example.net"], "first config in force")

        d.write_file("milterkit.conf", (CONF % "example.net").replace("domains", "domians"))
        mark = d.reload()
        d.wait_for_log(r"reload: .*masq\.domians: unknown key", since=mark)
        d.wait_for_log(r"reload failed: keeping the running configuration", since=mark)
        check(from_after(d, "Q2") == [" john@example.net"], "broken reload: old config serves")

        # A message in flight across a good reload keeps its config.
        cl = mc.MilterClient(d.socket)
        with cl:
            cl.negotiate()
            cl.connect("pc1", "127.0.0.1", 40000, macros=mc.mta_macros("sendmail", qid="Q3")["C"])
            cl.mail("<john@pc1.home.example.net>", macros={"i": "Q3"})
            cl.header("From", " john@pc1.home.example.net")
            d.write_file("milterkit.conf", CONF % "example.org")
            mark = d.reload()
            d.wait_for_log(r"configuration reloaded \(generation 2\)", since=mark)
            reply, mods = cl.eom()
            inflight = [m[3] for m in mods if m[0] == "chgheader"]
            check(inflight == [" john@example.net"],
                  "message in flight finished on its old config", mods)
            cl.quit()
        check(from_after(d, "Q4") == [" john@example.org"], "new config for new messages")
    check(d.returncode == 0, "clean exit on SIGTERM", d.returncode)


run_test(main)
