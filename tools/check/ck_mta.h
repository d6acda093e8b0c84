/*
 * ck_mta.h - the MTA as milterkit-check sees it (checks 3 and 4 of
 * milterkit-check(8)), whichever MTA it is: who connects to the milters,
 * from where (Postfix's chroot), and each list of milters it calls, with
 * whether mail would pass unfiltered when a milter is down.
 * ck_postfix.c and ck_sendmail.c fill it from the MTA's configuration;
 * the judgements here are the same for both.
 */
#ifndef MK_CK_MTA_H
#define MK_CK_MTA_H

#include <stdbool.h>
#include <stddef.h>

#include "ck_access.h"
#include "ck_conf.h"
#include "ck_report.h"
#include "ck_sock.h"

/* One milter of an MTA's list. */
typedef struct ck_mta_entry {
    char *raw;       /* as the MTA's configuration writes it */
    char *name;      /* sendmail: the X line's name; Postfix: NULL */
    bool parsed;     /* sock is valid */
    ck_sock sock;
    bool has_alt;    /* Postfix: where the path leads outside the chroot */
    ck_sock alt;
    char *fail_open; /* why mail passes unfiltered when it is down, or NULL */
    bool open_by_action; /* because of the list's default action (action_fix) */
} ck_mta_entry;

/* One list of milters the MTA calls, e.g. Postfix's smtpd_milters. */
typedef struct ck_mta_chain {
    char *where;     /* "smtpd_milters (main.cf)", "InputMailFilters (sendmail.cf)" */
    ck_mta_entry *e;
    size_t n;
    bool optional;   /* missing milters here are a warning (non_smtpd_milters) */
    char *fix;       /* the command or line that sets this list, with one %s
                        for the list in the MTA's syntax */
    bool by_name;    /* the list is of names (sendmail), not sockets */
    bool commas;     /* separate the list by commas (postconf -P takes no spaces) */
    char *action_fix; /* the command that makes the list's default action
                         fail closed, or NULL */
} ck_mta_chain;

typedef struct ck_mta {
    const char *flavor;  /* "postfix" or "sendmail" */
    ck_user user;        /* who connects to the milters */
    bool have_user;
    bool chroot;         /* Postfix: an smtpd or cleanup service runs chrooted */
    char *queue_dir;     /* Postfix: the queue directory (working dir, chroot) */
    ck_mta_chain *chains;
    size_t nchains;
    char *regen;         /* how to rewrite the MTA's milter settings */
} ck_mta;

void ck_mta_init(ck_mta *m, const char *flavor);
void ck_mta_free(ck_mta *m);

/* Adds an empty chain and returns it (owned by m); fix as above. */
ck_mta_chain *ck_mta_add_chain(ck_mta *m, const char *where, bool optional, const char *fix);
/* Adds an entry to ch; parse errors of the socket leave parsed false. */
ck_mta_entry *ck_mta_add_entry(ck_mta_chain *ch, const char *raw, const char *name);

/* True when a service or port ("submission", "587", "127.0.0.1:587",
 * "[::1]:submission"; "smtp" for 25) is on port. */
bool ck_mta_port_matches(const char *service, long port);

/*
 * Check 3: for each configured milter on a unix socket, can the MTA's
 * user connect to it, and (Postfix chrooted) is it below the queue
 * directory?  One item per milter, "mta-access NAME", with the chmod /
 * chgrp or the milterkit.conf edit that fixes it.
 */
void ck_mta_check_access(ck_report *r, const ck_conf *c, const ck_mta *m);

/*
 * Check 4: each chain calls relay, masq, dkim (those configured) in that
 * order, and none of them fails open.  One item per chain, "mta milters
 * WHERE".
 */
void ck_mta_check_chains(ck_report *r, const ck_conf *c, const ck_mta *m);

#endif
