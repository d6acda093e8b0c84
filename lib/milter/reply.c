/* reply.c - SMTP reply text for smfi_setreply; see reply.h. */
#include "config.h"

#include "milter/reply.h"

void reply_text(const char *text, str_t *out)
{
    for (const char *p = text; *p && out->len < REPLY_TEXT_MAX; p++) {
        unsigned char ch = (unsigned char)*p;

        if (ch == '%')
            str_append_cstr(out, "%%");
        else
            str_append_char(out, ch >= 0x20 && ch < 0x7f ? (char)ch : '?');
    }
}
