/* ck_report.c - the checklist; see ck_report.h. */
#include "config.h"

#include "ck_report.h"

#include <stdarg.h>
#include <string.h>

#include "core/mem.h"

static const char *const words[] = {"ok", "warn", "FAIL"};

void ck_report_init(ck_report *r, FILE *out, bool quiet)
{
    memset(r, 0, sizeof *r);
    r->out = out;
    r->quiet = quiet;
}

/* Prints text, every line after the first indented by indent spaces. */
static void print_lines(FILE *out, const char *text, int indent)
{
    for (const char *p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        int n = nl != NULL ? (int)(nl - p) : (int)strlen(p);

        if (p != text)
            fprintf(out, "%*s", indent, "");
        fprintf(out, "%.*s\n", n, p);
        p += n;
        if (*p == '\n')
            p++;
    }
}

void ck_item(ck_report *r, ck_status st, const char *name, const char *finding,
             const char *fix)
{
    if (st != CK_OK && (fix == NULL || *fix == '\0'))
        panic("check %s: a problem without a fix", name);
    r->count[st]++;
    if (r->quiet && st == CK_OK)
        return;
    fprintf(r->out, "%-4s  %s: ", words[st], name);
    print_lines(r->out, finding, 10);
    if (st != CK_OK) {
        fprintf(r->out, "      fix: ");
        print_lines(r->out, fix, 11);
    }
    fflush(r->out);
}

void ck_itemf(ck_report *r, ck_status st, const char *name, const char *fix, const char *fmt,
              ...)
{
    str_t finding;
    va_list ap;

    str_init(&finding);
    va_start(ap, fmt);
    str_vprintf(&finding, fmt, ap);
    va_end(ap);
    ck_item(r, st, name, finding.buf, fix);
    str_free(&finding);
}

void ck_report_summary(const ck_report *r)
{
    if (r->quiet && r->count[CK_WARN] == 0 && r->count[CK_FAIL] == 0)
        return;
    fprintf(r->out, "%u ok, %u warning%s, %u error%s\n", r->count[CK_OK], r->count[CK_WARN],
            r->count[CK_WARN] == 1 ? "" : "s", r->count[CK_FAIL],
            r->count[CK_FAIL] == 1 ? "" : "s");
}

int ck_report_exit(const ck_report *r)
{
    if (r->count[CK_FAIL] > 0)
        return CK_EXIT_FAIL;
    return r->count[CK_WARN] > 0 ? CK_EXIT_WARN : CK_EXIT_OK;
}

void ck_report_safe(str_t *out, const char *text, size_t len, size_t max, bool keep_newlines)
{
    size_t n = len < max ? len : max;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c == '\n' && keep_newlines)
            str_append_char(out, '\n');
        else
            str_append_char(out, c < 0x20 || c >= 0x7f ? '?' : (char)c);
    }
    if (len > max)
        str_append_cstr(out, "...");
}
