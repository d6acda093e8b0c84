/*
 * ck_report.h - the checklist milterkit-check prints: one item per check,
 * "ok", "warn" or "FAIL", its name ("socket relay", "dns spf example.net"),
 * the finding, and for every item that is not ok the command or edit that
 * fixes it.  Counts the items for the exit status (see milterkit-check(8)):
 * 0 all ok, 1 warnings only, 2 errors.
 *
 * Findings and fixes may span lines; continuation lines are indented under
 * the finding.  Text that came from outside (DNS, daemons' output, MTA
 * configuration) must be made printable by the caller (ck_report_safe()).
 * Not thread-safe; one report per run.
 */
#ifndef MK_CK_REPORT_H
#define MK_CK_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/str.h"

typedef enum ck_status { CK_OK, CK_WARN, CK_FAIL } ck_status;

/* Exit statuses of milterkit-check. */
#define CK_EXIT_OK 0
#define CK_EXIT_WARN 1
#define CK_EXIT_FAIL 2
#define CK_EXIT_USAGE 3

typedef struct ck_report {
    FILE *out;
    bool quiet; /* -q: print only the items that are not ok */
    unsigned count[3];
} ck_report;

void ck_report_init(ck_report *r, FILE *out, bool quiet);

/*
 * Prints one item.  fix must be set (not NULL, not empty) unless st is
 * CK_OK: a check that finds a problem without saying what to do is a bug
 * of ours (panic).  fix is ignored for CK_OK.
 */
void ck_item(ck_report *r, ck_status st, const char *name, const char *finding,
             const char *fix);

/* ck_item() with a printf-formatted finding. */
void ck_itemf(ck_report *r, ck_status st, const char *name, const char *fix, const char *fmt,
              ...) __attribute__((format(printf, 5, 6)));

/* The last line: "N ok, N warnings, N errors" (not printed with -q when
 * everything is ok). */
void ck_report_summary(const ck_report *r);

/* Returns CK_EXIT_OK, CK_EXIT_WARN or CK_EXIT_FAIL from the counts. */
int ck_report_exit(const ck_report *r);

/*
 * Appends len bytes of untrusted text to out, printable: control bytes and
 * bytes >= 0x7f become '?', except that a newline stays one when
 * keep_newlines; at most max bytes are kept, then "...".
 */
void ck_report_safe(str_t *out, const char *text, size_t len, size_t max, bool keep_newlines);

#endif
