/* ck_send.c - a test message through the submission port; see ck_send.h. */
#include "config.h"

#include "ck_send.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/spawn.h"

#define SWAKS_TIMEOUT_MS 120000u
#define MAX_PASSWORD 1024
#define MAX_LOG (64 * 1024 * 1024)

/* ---- the password ---- */

static void strip_newline(str_t *s)
{
    char *nl = memchr(s->buf, '\n', s->len);

    if (nl != NULL)
        str_truncate(s, (size_t)(nl - s->buf));
    if (s->len > 0 && s->buf[s->len - 1] == '\r')
        str_truncate(s, s->len - 1);
}

static int password_from_file(const char *path, str_t *pw, str_t *why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char buf[MAX_PASSWORD];
    ssize_t n;
    struct stat st;

    if (fd < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
        fprintf(stderr, "milterkit-check: warning: %s is readable by others: chmod 600 %s\n",
                path, path);
    n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) {
        str_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    str_append(pw, buf, (size_t)n);
    explicit_bzero(buf, sizeof buf);
    strip_newline(pw);
    return 0;
}

static int password_from_tty(const char *user, str_t *pw, str_t *why)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    struct termios old, quiet;
    char buf[MAX_PASSWORD];
    ssize_t n;
    str_t prompt;

    if (fd < 0 || !isatty(fd) || tcgetattr(fd, &old) != 0) {
        if (fd >= 0)
            close(fd);
        str_printf(why, "no terminal to ask for the password of %s: give "
                   "--send-password-file FILE", user);
        return -1;
    }
    str_init(&prompt);
    str_printf(&prompt, "SMTP AUTH password of %s: ", user);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    if (write(fd, prompt.buf, prompt.len) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        str_free(&prompt);
        close(fd);
        str_printf(why, "cannot ask on the terminal: %s", strerror(errno));
        return -1;
    }
    n = read(fd, buf, sizeof buf);
    tcsetattr(fd, TCSAFLUSH, &old);
    (void)!write(fd, "\n", 1);
    close(fd);
    str_free(&prompt);
    if (n <= 0) {
        str_printf(why, "no password given");
        return -1;
    }
    str_append(pw, buf, (size_t)n);
    explicit_bzero(buf, sizeof buf);
    strip_newline(pw);
    return 0;
}

/* ---- swaks' transcript ---- */

/* The text after swaks' prefix p (" ~>", "<~ ", "***", ...) and the
 * spaces that follow it, when line starts with p. */
static const char *after(const char *line, size_t n, const char *p)
{
    size_t pl = strlen(p);

    if (n < pl || strncmp(line, p, pl) != 0)
        return NULL;
    line += pl;
    while (*line == ' ')
        line++;
    return line;
}

static void set_line(str_t *out, const char *text, const char *end)
{
    str_clear(out);
    ck_report_safe(out, text, (size_t)(end - text), 300, false);
}

static void queue_id(const char *reply, str_t *qid)
{
    const char *q = strstr(reply, "queued as ");
    const char *s = reply;
    size_t n;

    if (q != NULL) {
        q += 10;
        n = strcspn(q, " \r\n");
        str_append(qid, q, n);
        return;
    }
    /* sendmail: "250 2.0.0 ID Message accepted for delivery" */
    if (strstr(reply, "Message accepted") == NULL)
        return;
    for (int word = 0; word < 2 && *s; word++)
        s += strcspn(s, " "), s += strspn(s, " ");
    n = strcspn(s, " ");
    if (n > 0 && n < 64)
        str_append(qid, s, n);
}

int ck_send_parse(const char *transcript, size_t len, str_t *reply, str_t *qid, str_t *error)
{
    const char *p = transcript, *end = transcript + len;
    bool after_dot = false, accepted = false;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl != NULL ? nl : end;
        size_t n = (size_t)(eol - p);
        const char *t;

        if ((t = after(p, n, " ~>")) != NULL || (t = after(p, n, " ->")) != NULL) {
            if (t[0] == '.' && (t + 1 == eol || t[1] == '\r'))
                after_dot = true;
        } else if ((t = after(p, n, "<~ ")) != NULL || (t = after(p, n, "<- ")) != NULL) {
            if (after_dot) {
                set_line(reply, t, eol);
                accepted = t[0] == '2';
                after_dot = false;
            }
        } else if ((t = after(p, n, "<~*")) != NULL || (t = after(p, n, "<**")) != NULL ||
                   (t = after(p, n, "***")) != NULL) {
            set_line(error, t, eol);
            if (after_dot)
                set_line(reply, t, eol);
            after_dot = false;
        }
        p = eol + 1;
    }
    if (accepted)
        queue_id(reply->buf, qid);
    return accepted ? 0 : -1;
}

/* ---- the MTA's log ---- */

/* The first line of the log with id and a delivery status, appended to line. */
static bool find_status(const char *path, const char *id, str_t *line)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    long total = 0;
    bool found = false;

    if (f == NULL)
        return false;
    while (!found && (n = getline(&buf, &cap, f)) > 0 && (total += n) < MAX_LOG) {
        if (strstr(buf, id) != NULL &&
            (strstr(buf, " status=") != NULL || strstr(buf, " stat=") != NULL)) {
            ck_report_safe(line, buf, (size_t)n - (buf[n - 1] == '\n'), 600, false);
            found = true;
        }
    }
    free(buf);
    fclose(f);
    return found;
}

static void relay_item(ck_report *r, const ck_sendopts *o, const char *qid)
{
    str_t line;
    struct timespec tick = {0, 200 * 1000 * 1000};
    time_t end = time(NULL) + (o->wait > 0 ? o->wait : 30);

    str_init(&line);
    while (!find_status(o->maillog, qid, &line) && time(NULL) < end)
        nanosleep(&tick, NULL);
    if (line.len == 0)
        ck_itemf(r, CK_WARN, "send relay", "look at the queue (mailq) and the MTA's log",
                 "no delivery status for %s in %s after %d s", qid, o->maillog,
                 o->wait > 0 ? o->wait : 30);
    else if (strstr(line.buf, "status=sent") != NULL || strstr(line.buf, "stat=Sent") != NULL)
        ck_itemf(r, CK_OK, "send relay", NULL, "%s", line.buf);
    else
        ck_itemf(r, CK_FAIL, "send relay",
                 "read the smart host's reply in this line: a refused password is "
                 "mta.smarthost.auth (and its password_file), a refused sender is the ISP's "
                 "rule; then run milterkit-mc again",
                 "%s", line.buf);
    str_free(&line);
}

/* ---- sending ---- */

static bool loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
           strcmp(host, "localhost") == 0;
}

/* What swaks is given, built once. */
typedef struct message {
    str_t server, from, subject, body, env;
    const char *argv[32];
    const char *envp[2];
} message;

static void message_init(message *m)
{
    str_init(&m->server), str_init(&m->from), str_init(&m->subject), str_init(&m->body);
    str_init(&m->env);
}

static void message_free(message *m)
{
    explicit_bzero(m->env.buf, m->env.len);
    str_free(&m->server), str_free(&m->from), str_free(&m->subject), str_free(&m->body);
    str_free(&m->env);
}

/* swaks' argv and environment; the password goes to the environment only. */
static void build(message *m, const ck_conf *c, const ck_sendopts *o, const char *swaks,
                  const str_t *pw)
{
    size_t n = 0;

    if (o->server != NULL)
        str_append_cstr(&m->server, o->server);
    else
        str_printf(&m->server, "127.0.0.1:%ld", c->submission_port);
    if (o->from != NULL)
        str_append_cstr(&m->from, o->from);
    else if (strchr(o->user, '@') != NULL)
        str_append_cstr(&m->from, o->user);
    else
        str_printf(&m->from, "%s@%s", o->user, c->site.domain);
    str_printf(&m->subject, "Subject: milterkit-check test message from %s", c->site.hostname);
    str_printf(&m->body, "This message was sent by milterkit-check --send from %s through its "
               "submission port, to see it leave signed.\n", c->site.hostname);
    str_printf(&m->env, "SWAKS_OPT_auth_password=%s", pw->buf);
    m->envp[0] = m->env.buf, m->envp[1] = NULL;
    m->argv[n++] = swaks, m->argv[n++] = "--server", m->argv[n++] = m->server.buf;
    m->argv[n++] = "--tls", m->argv[n++] = "--auth", m->argv[n++] = "--auth-user";
    m->argv[n++] = o->user, m->argv[n++] = "--auth-hide-password";
    m->argv[n++] = "--from", m->argv[n++] = m->from.buf;
    m->argv[n++] = "--to", m->argv[n++] = o->to;
    m->argv[n++] = "--helo", m->argv[n++] = c->site.hostname;
    m->argv[n++] = "--header", m->argv[n++] = m->subject.buf;
    m->argv[n++] = "--body", m->argv[n++] = m->body.buf;
    m->argv[n++] = "--timeout", m->argv[n++] = "60";
    if (o->server != NULL && !loopback(o->server) && strncmp(o->server, "127.", 4) != 0)
        m->argv[n++] = "--tls-verify";
    m->argv[n] = NULL;
}

/* The items from swaks' transcript. */
static void report(ck_report *r, const ck_sendopts *o, const message *m, spawn_result *res)
{
    str_t reply, qid, error;

    str_init(&reply), str_init(&qid), str_init(&error);
    str_append(&res->out, res->err.buf, res->err.len);
    if (ck_send_parse(res->out.buf, res->out.len, &reply, &qid, &error) == 0) {
        ck_itemf(r, CK_OK, "send", NULL, "%s accepted the message from %s to %s (login %s): %s",
                 m->server.buf, m->from.buf, o->to, o->user, reply.buf);
        if (o->maillog != NULL && qid.len > 0)
            relay_item(r, o, qid.buf);
        else if (qid.len > 0)
            ck_itemf(r, CK_OK, "send relay", NULL, "queue id %s: what the smart host replied "
                     "is in the MTA's log (journalctl | grep %s; or give --maillog FILE)",
                     qid.buf, qid.buf);
    } else {
        ck_itemf(r, CK_FAIL, "send",
                 "the line above is the MTA's (or swaks') reason: a refused login is the SASL "
                 "user (saslpasswd2), a TLS failure is mta.submission.tls, a refused relay is "
                 "milterkit-relay (journalctl -u milterkit-relay)",
                 "sending through %s failed (swaks exit %d): %s", m->server.buf, spawn_status(res),
                 error.len ? error.buf : "no reply");
    }
    str_free(&reply), str_free(&qid), str_free(&error);
}

void ck_send(ck_report *r, const ck_conf *c, const ck_sendopts *o)
{
    const char *swaks = o->swaks != NULL ? o->swaks : "/usr/bin/swaks";
    str_t pw, why;
    spawn_result res;
    message m;

    str_init(&pw), str_init(&why);
    message_init(&m);
    spawn_result_init(&res);
    if (access(swaks, X_OK) != 0) {
        ck_itemf(r, CK_FAIL, "send", "apt install swaks (or give --swaks PATH)",
                 "%s is not installed: --send uses it as the client", swaks);
    } else if (o->user == NULL) {
        ck_itemf(r, CK_FAIL, "send", "give --send-user LOGIN (a SASL user of the submission "
                 "port)", "--send needs the login of a roaming user");
    } else if ((o->password_file != NULL ? password_from_file(o->password_file, &pw, &why)
                                         : password_from_tty(o->user, &pw, &why)) < 0) {
        ck_itemf(r, CK_FAIL, "send", "give --send-password-file FILE (mode 0600), or run "
                 "milterkit-check on a terminal", "%s", why.buf);
    } else {
        spawn_opts so = {.env_add = m.envp, .c_locale = true, .timeout_ms = SWAKS_TIMEOUT_MS};

        build(&m, c, o, swaks, &pw);
        if (spawn_run(m.argv, &so, &res, &why) < 0)
            ck_itemf(r, CK_FAIL, "send", "is the MTA running? (systemctl status postfix / "
                     "sendmail)", "%s", why.buf);
        else
            report(r, o, &m, &res);
    }
    explicit_bzero(pw.buf, pw.len);
    message_free(&m);
    spawn_result_free(&res);
    str_free(&pw), str_free(&why);
}
