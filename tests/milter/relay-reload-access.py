"""relay-reload-access.py - milterkit-relay's maps on SIGUSR1 and -n: a new
access map takes effect on reload; a malformed access map (or sender_logins
map) is refused with file:line, the running one keeps serving; -n reports
the same errors and exits 1.  The DNS server is a dead port: no DNS is
needed for address entries, and relaying that would need it is a 451."""
from mktest import milterclient as mc
from mktest import milter_binary, milter_daemon, run_program, run_test, check, free_port

CONF = '''site: { domain = "example.net"; hostname = "mail.example.net"; user = "@USER@";
        internal_networks = ["10.255.255.0/24"];
        dns = { servers = ["127.0.0.1@%d"]; timeout = 1; }; };
relay: { socket = "@SOCKET@"; access = "@TMPDIR@/access";
         sender_logins = "@TMPDIR@/logins"; };
'''


def rcpt_reply(d, addr):
    res = mc.run_message(d.socket, connect=("client", addr, 40000),
                         macros=mc.mta_macros("sendmail", qid="R1"),
                         mail_from="<a@example.org>", rcpts=["<b@example.org>"],
                         body=b"x\r\n")
    return res.rcpt_replies[0][1]


def main():
    conf = CONF % free_port()
    files = {"access": "Connect:127.0.0.60 RELAY\n", "logins": "alice alice@example.net\n"}
    with milter_daemon("relay", conf, files=files) as d:
        check(not rcpt_reply(d, "127.0.0.60").refused, "first map: .60 relays")
        check(rcpt_reply(d, "127.0.0.61").smtp.startswith("451 4.4.3"),
              "no entry, DNS dead: 451 4.4.3")

        d.write_file("access", "Connect:127.0.0.60 RELAY\nConnect:127.0.0.61 RELAY\n")
        mark = d.reload()
        d.wait_for_log(r"configuration reloaded", since=mark)
        check(not rcpt_reply(d, "127.0.0.61").refused, "reloaded map: .61 relays")

        d.write_file("access", "Connect:127.0.0.60 RELAY\nConnect:127.0.0.61 MAYBE\n")
        mark = d.reload()
        d.wait_for_log(r"reload: .*access:2:", since=mark)
        d.wait_for_log(r"reload failed: keeping the running configuration", since=mark)
        check(not rcpt_reply(d, "127.0.0.61").refused, "bad map: the old one serves")
        status, out = run_program([milter_binary("relay"), "-n", "-c", d.conf_path])
        check(status == 1 and "access:2:" in out, "-n names the bad line", out)

        d.write_file("access", "Connect:127.0.0.60 RELAY\n")
        d.write_file("logins", "alice alice@example.net\nbob example.com\n")
        mark = d.reload()
        d.wait_for_log(r"reload: .*logins:2: .*neither an address nor @domain", since=mark)
        check(not rcpt_reply(d, "127.0.0.61").refused, "bad login map: old config serves")

        d.write_file("logins", "alice alice@example.net\n")
        status, out = run_program([milter_binary("relay"), "-n", "-c", d.conf_path])
        check(status == 0 and "configuration OK" in out, "-n accepts the good maps", out)


run_test(main)
