/*
 * reply.h - the text of an SMTP reply a milter gives the MTA
 * (smfi_setreply).  libmilter passes the text through sendmail's and
 * Postfix's reply formatting, where '%' starts a format directive and a
 * control character would break the SMTP line; both MTAs also bound the
 * reply's length.  The text is often built from what the peer sent (a
 * host name, an address), so it is made safe here, once for every milter.
 */
#ifndef MK_REPLY_H
#define MK_REPLY_H

#include "core/str.h"

/* Bytes of reply text a milter appends at most (the MTAs' SMTP replies are
 * at most 512 bytes a line, with the code and enhanced code). */
#define REPLY_TEXT_MAX 400

/* Appends text to out as smfi_setreply wants it: printable ASCII (other
 * bytes become '?'), '%' doubled, stopping once out holds REPLY_TEXT_MAX
 * bytes. */
void reply_text(const char *text, str_t *out);

#endif
