/* mc_macros.c - MTA macro settings from lib/milter/macros; see mc_macros.h. */
#include "config.h"

#include "mc_macros.h"

#include <stdbool.h>
#include <string.h>

typedef struct mta_stage {
    const char *name;     /* parameter or m4 name */
    const char *defaults; /* the MTA's own default list, space-separated */
} mta_stage;

/* Postfix 3.7 defaults (postconf -d). */
static const mta_stage postfix[MACROS_NSTAGES] = {
    [MACROS_CONNECT] = {"milter_connect_macros", "j {daemon_name} {daemon_addr} v _"},
    [MACROS_HELO] = {"milter_helo_macros",
                     "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}"},
    [MACROS_ENVFROM] = {"milter_mail_macros", "i {auth_type} {auth_authen} {auth_author} "
                                              "{mail_addr} {mail_host} {mail_mailer}"},
    [MACROS_ENVRCPT] = {"milter_rcpt_macros", "i {rcpt_addr} {rcpt_host} {rcpt_mailer}"},
    [MACROS_DATA] = {"milter_data_macros", "i"},
    [MACROS_EOM] = {"milter_end_of_data_macros", "i"},
    [MACROS_EOH] = {"milter_end_of_header_macros", "i"},
};

/* sendmail 8.17 defaults (cf/m4/cfhead.m4); EOH and DATA have none. */
static const mta_stage sendmail[MACROS_NSTAGES] = {
    [MACROS_CONNECT] = {"confMILTER_MACROS_CONNECT", "j _ {daemon_name} {if_name} {if_addr}"},
    [MACROS_HELO] = {"confMILTER_MACROS_HELO",
                     "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}"},
    [MACROS_ENVFROM] = {"confMILTER_MACROS_ENVFROM",
                        "i {auth_type} {auth_authen} {auth_ssf} {auth_author} {mail_mailer} "
                        "{mail_host} {mail_addr}"},
    [MACROS_ENVRCPT] = {"confMILTER_MACROS_ENVRCPT", "{rcpt_mailer} {rcpt_host} {rcpt_addr}"},
    [MACROS_DATA] = {"confMILTER_MACROS_DATA", ""},
    [MACROS_EOM] = {"confMILTER_MACROS_EOM", "{msg_id}"},
    [MACROS_EOH] = {"confMILTER_MACROS_EOH", ""},
};

/* Whether the space-separated list has the word w (len bytes). */
static bool has_word(const char *list, const char *w, size_t len)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, " ");

        if (n == len && strncmp(p, w, len) == 0)
            return true;
        p += n;
        p += strspn(p, " ");
    }
    return false;
}

/* defaults, then every word of ours not in them, joined by sep. */
static void merge(const char *defaults, macros_stage st, const char *sep, str_t *out)
{
    str_t ours, all;

    str_init(&ours);
    str_init(&all);
    macros_for_stage(st, MACROS_ALL, " ", &ours);
    str_append_cstr(&all, defaults);
    for (const char *p = ours.buf; *p;) {
        size_t n = strcspn(p, " ");

        if (!has_word(all.buf, p, n)) {
            if (all.len > 0)
                str_append_char(&all, ' ');
            str_append(&all, p, n);
        }
        p += n;
        p += strspn(p, " ");
    }
    for (const char *p = all.buf; *p;) {
        size_t n = strcspn(p, " ");

        if (p != all.buf)
            str_append_cstr(out, sep);
        str_append(out, p, n);
        p += n;
        p += strspn(p, " ");
    }
    str_free(&ours);
    str_free(&all);
}

const char *mc_macros_postfix_param(macros_stage st)
{
    return postfix[st].name;
}

void mc_macros_postfix(macros_stage st, str_t *out)
{
    merge(postfix[st].defaults, st, " ", out);
}

const char *mc_macros_sendmail_name(macros_stage st)
{
    return sendmail[st].name;
}

void mc_macros_sendmail(macros_stage st, str_t *out)
{
    merge(sendmail[st].defaults, st, ", ", out);
}
