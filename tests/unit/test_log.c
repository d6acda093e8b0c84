/* test_log.c - unit tests of lib/core/log: the queue id is untrusted (the
 * MTA's macro i, whatever the peer sent), so its length and bytes must not
 * reach past the line or into the log as they came. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* Runs fn with stderr sent to a temporary file; returns what was written
 * (caller frees). */
static char *capture(void (*fn)(void *), void *arg)
{
    FILE *tmp = tmpfile();
    int saved = dup(2);
    long size;
    char *out;

    assert_non_null(tmp);
    assert_true(saved >= 0);
    fflush(stderr);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    fn(arg);
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    size = ftell(tmp);
    if (size <= 0) {
        fseek(tmp, 0, SEEK_END);
        size = ftell(tmp);
    }
    assert_true(size >= 0);
    out = calloc(1, (size_t)size + 1);
    rewind(tmp);
    assert_int_equal(fread(out, 1, (size_t)size, tmp), (size_t)size);
    fclose(tmp);
    return out;
}

static void log_with_qid(void *arg)
{
    log_q(LOG_NOTICE, arg, "relay=refused marker=%s", "END-OF-TEXT");
}

/* The finding: a 3000-byte id made vsnprintf write past the line. */
static void huge_queue_id_is_capped(void **state)
{
    char *qid = malloc(3001), *out;

    memset(qid, 'Q', 3000);
    qid[3000] = '\0';
    out = capture(log_with_qid, qid);
    /* The message after the id is there: it was written past the buffer. */
    assert_non_null(strstr(out, "relay=refused marker=END-OF-TEXT"));
    /* The id is cut at LOG_SAFE_MAX and marked. */
    assert_non_null(strstr(out, "QQQ...: relay=refused"));
    assert_null(strstr(out, "QQQQ: relay"));
    assert_true(strlen(out) < LOG_SAFE_MAX + 200);
    free(out);
    free(qid);
}

/* Control bytes in the id do not reach the log (no forged lines). */
static void queue_id_made_printable(void **state)
{
    char *out = capture(log_with_qid, "ABC\nfake: line\r\x7f");

    assert_non_null(strstr(out, "ABC?fake: line??: relay=refused"));
    assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1); /* one line */
    free(out);
    out = capture(log_with_qid, "");
    assert_non_null(strstr(out, "NOQUEUE: relay=refused"));
    free(out);
}

static void log_long_text(void *arg)
{
    log_q(LOG_NOTICE, "QID1", "%s", (const char *)arg);
}

/* A message longer than a line is cut at LOG_LINE_MAX and marked. */
static void long_text_cut_and_marked(void **state)
{
    char *text = malloc(5001), *out, *line;

    memset(text, 'x', 5000);
    text[5000] = '\0';
    out = capture(log_long_text, text);
    line = strstr(out, "QID1: ");
    assert_non_null(line);
    assert_int_equal(strlen(line), LOG_LINE_MAX + 1); /* the line and its newline */
    assert_memory_equal(line + LOG_LINE_MAX - 3, "...\n", 4);
    free(out);
    free(text);
}

static void log_errno(void *arg)
{
    (void)arg;
    errno = ENOENT;
    log_msg(LOG_ERR, "open: %m");
}

static void percent_m_and_errno_kept(void **state)
{
    char *out = capture(log_errno, NULL);

    assert_non_null(strstr(out, "open: No such file or directory"));
    free(out);
    errno = EACCES;
    log_set_level(LOG_ERR);
    log_msg(LOG_DEBUG, "dropped");
    assert_int_equal(errno, EACCES);
    log_set_level(LOG_DEBUG);
}

int main(void)
{
    const char *why;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(huge_queue_id_is_capped),
        cmocka_unit_test(queue_id_made_printable),
        cmocka_unit_test(long_text_cut_and_marked),
        cmocka_unit_test(percent_m_and_errno_kept),
    };

    if (log_init("test_log", true, "mail", &why) < 0)
        return 1;
    log_set_level(LOG_DEBUG);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
