/* ck_daemons.c - each daemon's -n and its socket; see ck_daemons.h. */
#include "config.h"

#include "ck_daemons.h"

#include <string.h>
#include <unistd.h>

#include "ck_probe.h"
#include "ck_sock.h"
#include "core/spawn.h"

/* At most this much of a daemon's error output goes into the report. */
#define MAX_SHOWN 2000

static unsigned config_one(ck_report *r, const ck_conf *c, const ck_milter *m,
                           const char *sbindir)
{
    str_t item, prog, fix, why, out;
    spawn_result res;
    unsigned fails = 0;

    str_init(&item), str_init(&prog), str_init(&fix), str_init(&why), str_init(&out);
    spawn_result_init(&res);
    str_printf(&item, "config %s", m->name);
    str_printf(&prog, "%s/milterkit-%s", sbindir, m->name);
    if (!m->present) {
        str_printf(&fix, "add a %s section to %s (see the commented sample, milterkit.conf(5)), "
                   "then run milterkit-mc again", m->name, c->path);
        ck_itemf(r, CK_WARN, item.buf, fix.buf,
                 "no %s section: milterkit-%s is not configured, and milterkit-mc leaves it "
                 "out of the MTA", m->name, m->name);
    } else if (access(prog.buf, X_OK) != 0) {
        ck_itemf(r, CK_FAIL, item.buf, "install milterkit (apt install ./milterkit_*.deb, or "
                 "make install), or give --sbindir DIR", "%s is not installed", prog.buf);
        fails++;
    } else {
        const char *argv[] = {prog.buf, "-n", "-c", c->path, NULL};
        spawn_opts o = {.c_locale = true, .timeout_ms = CK_DAEMON_CHECK_TIMEOUT * 1000u};

        if (spawn_run(argv, &o, &res, &why) < 0) {
            ck_itemf(r, CK_FAIL, item.buf, "run it by hand to see why", "%s", why.buf);
            fails++;
        } else if (spawn_status(&res) == 0) {
            ck_itemf(r, CK_OK, item.buf, NULL, "milterkit-%s -n: configuration OK", m->name);
        } else {
            ck_report_safe(&out, res.err.buf, res.err.len, MAX_SHOWN, true);
            while (out.len > 0 && out.buf[out.len - 1] == '\n')
                str_truncate(&out, out.len - 1);
            str_printf(&fix, "edit %s where the lines above say (milterkit.conf(5)), then "
                       "milterkit-%s -n -c %s", c->path, m->name, c->path);
            ck_itemf(r, CK_FAIL, item.buf, fix.buf, "milterkit-%s -n exited with %d:\n%s",
                     m->name, spawn_status(&res), out.buf);
            fails++;
        }
    }
    spawn_result_free(&res);
    str_free(&item), str_free(&prog), str_free(&fix), str_free(&why), str_free(&out);
    return fails;
}

unsigned ck_daemons_config(ck_report *r, const ck_conf *c, const char *sbindir)
{
    unsigned fails = 0;

    for (size_t i = 0; i < CK_MILTERS; i++)
        fails += config_one(r, c, &c->milter[i], sbindir);
    return fails;
}

static void probe_one(ck_report *r, const ck_milter *m, int timeout_ms)
{
    str_t item, why, fix;
    ck_sock s;
    ck_mpkt_optneg neg;
    const char *err;

    str_init(&item), str_init(&why), str_init(&fix);
    str_printf(&item, "socket %s", m->name);
    if (ck_sock_parse_milter(m->socket, &s, &err) < 0) {
        ck_itemf(r, CK_FAIL, item.buf, "correct it in milterkit.conf (see \"config\" above)",
                 "%s.socket %s: %s", m->name, m->socket, err);
        goto out;
    }
    switch (ck_probe(&s, timeout_ms, &neg, &why)) {
    case CK_PROBE_OK:
        ck_itemf(r, CK_OK, item.buf, NULL,
                 "milterkit-%s answers on %s (milter protocol %u, actions 0x%x, steps 0x%x)",
                 m->name, m->socket, neg.version, neg.actions, neg.protocol);
        break;
    case CK_PROBE_NOT_RUNNING:
        str_printf(&fix, "systemctl start milterkit-%s (journalctl -u milterkit-%s says why it "
                   "stopped)", m->name, m->name);
        ck_itemf(r, CK_FAIL, item.buf, fix.buf, "milterkit-%s is not running: %s: %s", m->name,
                 m->socket, why.buf);
        break;
    case CK_PROBE_TIMEOUT:
        str_printf(&fix, "systemctl restart milterkit-%s (and look at journalctl -u "
                   "milterkit-%s)", m->name, m->name);
        ck_itemf(r, CK_FAIL, item.buf, fix.buf, "no answer on %s within %d ms: %s", m->socket,
                 timeout_ms, why.buf);
        break;
    case CK_PROBE_NOT_MILTER:
        str_printf(&fix, "find what listens there (ss -lxp, ss -ltnp) and stop it, or give "
                   "%s.socket another address", m->name);
        ck_itemf(r, CK_FAIL, item.buf, fix.buf, "something on %s is not a milter: %s",
                 m->socket, why.buf);
        break;
    case CK_PROBE_DENIED:
        ck_itemf(r, CK_WARN, item.buf, "run milterkit-check as root",
                 "cannot tell whether milterkit-%s runs: we may not connect to %s: %s", m->name,
                 m->socket, why.buf);
        break;
    case CK_PROBE_ERROR:
        ck_itemf(r, CK_FAIL, item.buf, "correct the socket in milterkit.conf",
                 "cannot connect to %s: %s", m->socket, why.buf);
        break;
    }
    ck_sock_free(&s);
out:
    str_free(&item), str_free(&why), str_free(&fix);
}

void ck_daemons_probe(ck_report *r, const ck_conf *c, int timeout_ms)
{
    for (size_t i = 0; i < CK_MILTERS; i++)
        if (c->milter[i].present)
            probe_one(r, &c->milter[i], timeout_ms);
}
