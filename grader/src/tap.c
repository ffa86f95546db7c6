/*
 * Reading test results: Criterion's TAP (its 2.4.1 JSON breaks on quotes)
 * and bats' TAP. Each reported test is matched to its manifest check.
 */
#define _GNU_SOURCE
#include "grader.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

static struct check_result *find_check(struct lab_result *res, const char *name, size_t len)
{
    for (int i = 0; i < res->nchecks; i++)
        if (strlen(res->checks[i].name) == len && !strncmp(res->checks[i].name, name, len))
            return &res->checks[i];
    return NULL;
}

static void append_line(char **msg, const char *line, size_t len)
{
    char *joined = xasprintf("%s%.*s\n", *msg ? *msg : "", (int)len, line);
    free(*msg);
    *msg = joined;
}

static void trim_end(char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* Record a reported result; a second report of the same check is suspect. */
static struct check_result *record(struct lab_result *res, enum check_kind kind, const char *name,
                                   size_t len, bool ok)
{
    struct check_result *c = find_check(res, name, len);
    if (!c)
        return NULL; /* not in the manifest: the self-test reports these */
    if (c->reported) {
        c->status = ST_ERROR;
        free(c->message);
        c->message = xstrdup(_("this check was reported twice: did the program under test "
                               "print test-runner output?"));
        return NULL;
    }
    c->reported = true;
    /* Its verdict comes from the run that reports it, not from what an
     * earlier runner's trouble said about every check it did not report. */
    free(c->message);
    c->message = NULL;
    c->kind = kind;
    c->status = ok ? ST_PASSED : ST_FAILED;
    return c;
}

static double parse_ms(const char *line, const char *end, bool criterion)
{
    if (criterion) { /* "... (0.01s)" */
        const char *p = memrchr(line, '(', (size_t)(end - line));
        return p ? atof(p + 1) * 1000 : 0;
    }
    const char *p = strstr(line, " in "); /* bats --timing: "name in 256ms" */
    return p && p < end ? atof(p + 4) : 0;
}

static void parse_criterion_line(const char *line, const char *end, bool ok, struct lab_result *res,
                                 struct check_result **cur)
{
    /* "ok - suite::name  (0.00s)" or "not ok - suite::name timed out (1.01s)" */
    const char *name = strstr(line, "::");
    if (!name || name > end)
        return;
    name += 2;
    const char *stop = name;
    while (stop < end && *stop != ' ')
        stop++;
    *cur = record(res, KIND_CRITERION, name, (size_t)(stop - name), ok);
    if (!*cur)
        return;
    (*cur)->ms = parse_ms(line, end, true);
    if (ok)
        return;
    if (memmem(stop, (size_t)(end - stop), "timed out", 9)) {
        (*cur)->status = ST_TIMEOUT;
        (*cur)->message = xstrdup(_("the check timed out (an endless loop, or a deadlock: a "
                                    "process waits for something that never happens)"));
    } else if (memmem(stop, (size_t)(end - stop), "unexpected signal", 17)) {
        (*cur)->status = ST_CRASHED;
        (*cur)->message = xasprintf(_("the check crashed (%.*s)"), (int)(end - stop - 1), stop + 1);
    }
}

void tap_parse(const char *tap, enum check_kind kind, struct lab_result *res)
{
    bool criterion = kind == KIND_CRITERION;
    struct check_result *cur = NULL;
    bool in_failure = false;
    for (const char *line = tap; line && *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        size_t len = (size_t)(end - line);
        bool ok = !strncmp(line, "ok ", 3), not_ok = !strncmp(line, "not ok ", 7);

        if (ok || not_ok) {
            in_failure = false;
            cur = NULL;
            if (criterion) {
                parse_criterion_line(line, end, ok, res, &cur);
            } else { /* "ok 3 name in 12ms" or "not ok 3 name # timeout after 5s" */
                const char *p = line + (ok ? 3 : 7);
                while (p < end && *p >= '0' && *p <= '9')
                    p++;
                while (p < end && *p == ' ')
                    p++;
                const char *stop = p;
                while (stop < end && *stop != ' ')
                    stop++;
                cur = record(res, KIND_BATS, p, (size_t)(stop - p), ok);
                if (cur) {
                    cur->ms = parse_ms(line, end, false);
                    if (memmem(line, len, "# skip", 6)) {
                        cur->status = ST_ERROR;
                        cur->message = xstrdup(_("the check was skipped"));
                    } else if (memmem(line, len, "# timeout", 9)) {
                        cur->status = ST_TIMEOUT;
                    }
                }
            }
        } else if (cur && cur->status != ST_PASSED) {
            if (criterion) {
                /* YAML block: "  - file.c:12: |+" then the message, indented. */
                if (len >= 4 && !strncmp(line, "  - ", 4)) {
                    in_failure = true;
                } else if (in_failure && len > 6 && !strncmp(line, "      ", 6)) {
                    const char *m = line + 6;
                    if (!strncmp(m, "Assertion failed: ", 18))
                        m += 18;
                    append_line(&cur->message, m, (size_t)(end - m));
                } else if (!strncmp(line, "  ...", 5)) {
                    in_failure = false;
                }
            } else if (!strncmp(line, "# ", 2) || !strcmp(line, "#")) {
                const char *m = line + (len > 1 ? 2 : 1);
                size_t mlen = (size_t)(end - m);
                /* bats' call trace: "(from function `f' in file x, line 3," then
                 * " in test file y, line 9)", and the failed command. */
                bool noise =
                    !strncmp(m, "(in test file ", 14) || !strncmp(m, "(from function ", 15) ||
                    !strncmp(m, " in test file ", 14) || !strncmp(m, " from function ", 15) ||
                    (mlen > 8 && !strncmp(m, "  `", 3) && !strncmp(end - 8, "' failed", 8));
                if (!noise)
                    append_line(&cur->message, m, mlen);
            }
        }
        line = *end ? end + 1 : end;
    }
    for (int i = 0; i < res->nchecks; i++)
        trim_end(res->checks[i].message);
}
