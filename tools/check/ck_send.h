/*
 * ck_send.h - check 7 of milterkit-check(8), on request (--send): a test
 * message through the submission port as a roaming client would send it
 * (STARTTLS, then AUTH), with swaks(1) as the client, and, when the MTA's
 * log is given, the line where the smart host accepted (or refused) it.
 *
 * Secrets: the password is read from a file (--send-password-file) or
 * asked on the terminal without echo; it reaches swaks in its environment
 * (SWAKS_OPT_auth_password, readable only by our own user), never in
 * argv, and swaks is told to hide it in its transcript.  Without
 * --send-server the message goes to 127.0.0.1 on mta.submission.port, so
 * the password never leaves the machine and the certificate is not
 * verified (it may be self-signed); with another server swaks verifies the
 * certificate (--tls-verify).
 */
#ifndef MK_CK_SEND_H
#define MK_CK_SEND_H

#include "ck_conf.h"
#include "ck_report.h"

typedef struct ck_sendopts {
    const char *to;            /* --send ADDRESS */
    const char *from;          /* --send-from; NULL: USER@site.domain (USER if it has an @) */
    const char *user;          /* --send-user (the SMTP AUTH login) */
    const char *password_file; /* --send-password-file; NULL: ask on the terminal */
    const char *server;        /* --send-server HOST[:PORT] */
    const char *maillog;       /* --maillog FILE: the MTA's log */
    const char *swaks;         /* --swaks PATH; NULL: /usr/bin/swaks */
    int wait;                  /* seconds to wait for the log line */
} ck_sendopts;

/* Sends and reports the items "send" and, with a log, "send relay". */
void ck_send(ck_report *r, const ck_conf *c, const ck_sendopts *o);

/*
 * Reads swaks' transcript: the reply to the end of the message (appended
 * to reply), and, when it failed, the last error line (appended to error).
 * Returns 0 when the message was accepted (a 2xx reply after "."), -1
 * otherwise.  The queue id the reply names (Postfix: "queued as ID";
 * sendmail: "250 2.0.0 ID Message accepted") is appended to qid.
 */
int ck_send_parse(const char *transcript, size_t len, str_t *reply, str_t *qid, str_t *error);

#endif
