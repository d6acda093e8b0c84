/*
 * ck_mtaopts.h - where milterkit-check finds the MTA: the command-line
 * overrides (so that tests can point it at a private MTA) and the defaults.
 */
#ifndef MK_CK_MTAOPTS_H
#define MK_CK_MTAOPTS_H

typedef struct ck_mtaopts {
    const char *flavor;      /* --mta; NULL: mta.flavor */
    const char *postfix_dir; /* --postfix-dir; NULL: mta.config_dir, else /etc/postfix */
    const char *postconf;    /* --postconf; NULL: /usr/sbin/postconf */
    const char *sendmail_cf; /* --sendmail-cf; NULL: mta.config_dir/sendmail.cf, else
                                /etc/mail/sendmail.cf */
} ck_mtaopts;

#endif
