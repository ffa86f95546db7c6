/* Machine formats beside the JSON report: JUnit XML, Gradescope's
 * results.json and a GitHub Classroom runner's result. */
#define _GNU_SOURCE
#include "selfstudy.h"

#include <stdlib.h>
#include <string.h>

void xml_text(FILE *f, const char *s)
{
    markup_put(f, s, false);
}

/* An attribute holds the first line of a message; the whole is the text. */
static void xml_first_line(FILE *f, const char *s)
{
    const char *nl = s ? strchr(s, '\n') : NULL;
    char *line = nl ? xasprintf("%.*s", (int)(nl - s), s) : NULL;
    markup_put(f, line ? line : s, true);
    free(line);
}

struct junit_counts {
    int tests, failures, errors;
    double seconds;
};

/* A check that ran and failed is a <failure>; one that could not run (the
 * build failed, its runner broke, it was skipped) is an <error>. */
static bool did_not_run(const struct check_result *c)
{
    return c->status == ST_ERROR;
}

static struct junit_counts junit_count(const struct lab_result *r)
{
    struct junit_counts n = {.tests = r->nchecks, .seconds = r->ms / 1000};
    for (int k = 0; k < r->nchecks; k++) {
        n.errors += did_not_run(&r->checks[k]);
        n.failures += r->checks[k].status != ST_PASSED && !did_not_run(&r->checks[k]);
    }
    return n;
}

static void junit_case(FILE *f, const char *suite, const struct check_result *c)
{
    fputs("    <testcase classname=\"", f);
    xml_first_line(f, suite);
    fputs("\" name=\"", f);
    xml_first_line(f, c->name);
    fprintf(f, "\" time=\"%.3f\">", c->ms / 1000);
    if (c->status != ST_PASSED) {
        const char *element = did_not_run(c) ? "error" : "failure";
        const char *message = c->message ? c->message : status_name(c->status);
        fprintf(f, "\n      <%s type=\"%s\" message=\"", element, status_name(c->status));
        xml_first_line(f, message);
        fputs("\">", f);
        xml_text(f, message);
        if (c->hint && !did_not_run(c)) {
            fputs("\nhint: ", f);
            xml_text(f, c->hint);
        }
        fprintf(f, "</%s>\n    ", element);
    }
    fputs("</testcase>\n", f);
}

/* JUnit XML valid against the common schema (Jenkins' junit-10.xsd, shipped
 * in grader/tests/junit/): totals on <testsuites> and on every suite. */
bool write_junit(const char *path, const struct lab_result *labs, int n)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
    if (!f)
        return false;
    struct junit_counts all = {0};
    for (int i = 0; i < n; i++) {
        struct junit_counts c = junit_count(&labs[i]);
        all.tests += c.tests;
        all.failures += c.failures;
        all.errors += c.errors;
        all.seconds += c.seconds;
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"proc-labs\" "
            "tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.3f\">\n",
            all.tests, all.failures, all.errors, all.seconds);
    for (int i = 0; i < n; i++) {
        const struct lab_result *r = &labs[i];
        struct junit_counts c = junit_count(r);
        char name[64];
        lab_dirname(r->lab, name, sizeof name);
        fprintf(f,
                "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
                "skipped=\"0\" time=\"%.3f\">\n",
                name, c.tests, c.failures, c.errors, c.seconds);
        for (int k = 0; k < r->nchecks; k++)
            junit_case(f, name, &r->checks[k]);
        if (r->error) {
            fputs("    <system-err>", f);
            xml_text(f, r->error);
            fputs("</system-err>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return f == stdout ? fflush(f) == 0 : fclose(f) == 0;
}

/* Gradescope's results.json: one test per check, scores per test. */

static const struct check_spec *spec_of(const struct lab_spec *lab, const char *name)
{
    for (int s = 0; s < lab->nchecks; s++)
        if (!strcmp(lab->checks[s].name, name))
            return &lab->checks[s];
    return NULL;
}

/* What Gradescope shows of a check: a hidden one only after the due date,
 * unless the manifest sets "visibility" on it. */
static const char *visibility_of(const struct check_spec *spec)
{
    return spec && spec->visibility ? spec->visibility
           : spec && spec->hidden   ? "after_due_date"
                                    : "visible";
}

static bool shown_now(const struct lab_spec *lab, const char *name)
{
    return !strcmp(visibility_of(spec_of(lab, name)), "visible");
}

/* names ("a, b") without the checks students do not see yet; NULL if none is left. */
static char *shown_names(const struct lab_spec *lab, const char *names)
{
    char *copy = xstrdup(names), *out = NULL;
    for (char *save = NULL, *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save))
        if (shown_now(lab, w)) {
            char *more = xasprintf("%s%s%s", out ? out : "", out ? ", " : "", w);
            free(out);
            out = more;
        }
    free(copy);
    return out;
}

/* A visible check's message names its root causes (first line) and what
 * fixing it may also fix (last line), and either may be a hidden check:
 * those lines are written again without the checks not yet shown. */
static char *shown_message(const struct lab_spec *lab, const struct check_result *c)
{
    char *msg = xstrdup(c->message ? c->message : "");
    char *body = msg;
    if (c->consequence_of && strchr(body, '\n'))
        body = strchr(body, '\n') + 1;
    if (c->may_also_fix && strrchr(body, '\n'))
        *strrchr(body, '\n') = '\0';
    bool zh = want_chinese();
    char *roots = c->consequence_of ? shown_names(lab, c->consequence_of) : NULL;
    char *fixes = c->may_also_fix ? shown_names(lab, c->may_also_fix) : NULL;
    char *head = !roots ? xstrdup("")
                 : zh   ? xasprintf("很可能是 %s 失败的后果：请先修正它\n", roots)
                        : xasprintf("probably a consequence of %s: fix that first\n", roots);
    char *tail = !fixes ? xstrdup("")
                 : zh   ? xasprintf("\n修正这一项可能也会修正：%s", fixes)
                        : xasprintf("\nfixing this may also fix: %s", fixes);
    char *out = xasprintf("%s%s%s", head, body, tail);
    free(msg);
    free(roots);
    free(fixes);
    free(head);
    free(tail);
    return out;
}

bool write_gradescope(const char *path, const struct lab_result *labs, int n)
{
    json_t *tests = json_array();
    double total = 0;
    bool held_back = false; /* some check is not shown to students yet */
    char *summary = xstrdup("");
    for (int i = 0; i < n; i++) {
        const struct lab_result *r = &labs[i];
        char name[64];
        lab_dirname(r->lab, name, sizeof name);
        double shown = 0, shown_max = 0, later_max = 0;
        for (int k = 0; k < r->nchecks; k++) {
            const struct check_result *c = &r->checks[k];
            const char *visibility = visibility_of(spec_of(r->lab, c->name));
            bool now = !strcmp(visibility, "visible");
            shown += now ? c->points : 0;
            shown_max += now ? c->max_points : 0;
            later_max += now ? 0 : c->max_points;
            held_back = held_back || !now;
            if (k == 0 && c->status == ST_PASSED)
                continue; /* a build that worked is no test of its own */
            char *title = xasprintf("%s: %s", name, c->name);
            char *number = xasprintf("%s.%d", r->lab->id, k);
            char *message = now ? shown_message(r->lab, c) : xstrdup(c->message ? c->message : "");
            char *output =
                xasprintf("%s%s%s", message, c->hint && c->status != ST_PASSED ? "\nhint: " : "",
                          c->hint && c->status != ST_PASSED ? c->hint : "");
            json_array_append_new(tests,
                                  json_pack("{s:s, s:s, s:f, s:f, s:s, s:o, s:s}", "name", title,
                                            "number", number, "score", (double)c->points,
                                            "max_score", (double)c->max_points, "status",
                                            c->status == ST_PASSED ? "passed" : "failed", "output",
                                            json_text(output), "visibility", visibility));
            free(title);
            free(number);
            free(message);
            free(output);
        }
        total += r->score;
        /* The summary is always shown: it counts only what students see now. */
        char *line = later_max ? xasprintf("%s%s %s/%s (and %s point%s shown after the due "
                                           "date)\n",
                                           summary, name, pts(shown), pts(shown_max),
                                           pts(later_max), later_max == 1 ? "" : "s")
                               : xasprintf("%s%s %s/%s\n", summary, name, pts(shown),
                                           pts(shown_max));
        free(summary);
        summary = line;
    }
    /* The top-level score counts every check, so while any check is held
     * back the score is too (Gradescope's top-level visibility); each test
     * says its own. stdout names every check: never for students. */
    json_t *j =
        json_pack("{s:f, s:s, s:s, s:s, s:s, s:o}", "score", total, "output", summary,
                  "output_format", "text", "visibility", held_back ? "after_due_date" : "visible",
                  "stdout_visibility", "hidden", "tests", tests);
    free(summary);
    int rc = strcmp(path, "-") ? json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                               : json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!strcmp(path, "-"))
        putchar('\n');
    json_decref(j);
    return rc == 0;
}

bool write_gradescope_error(const char *path, const char *why)
{
    json_t *j = json_pack("{s:f, s:s, s:[]}", "score", 0.0, "output", why, "tests");
    int rc = json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    return rc == 0;
}

/* The reporter gets every result in one environment variable, and Linux
 * caps one at 128 KiB: each message is cut to this (whole characters). */
enum { CLASSROOM_MESSAGE_CAP = 600 };

static void cap_text(char *s, size_t cap)
{
    if (strlen(s) <= cap)
        return;
    size_t n = cap;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--; /* not inside a UTF-8 character */
    memcpy(s + n, "...", 4);
}

/* What one autograding runner step hands classroom-resources'
 * autograding-grading-reporter (base64 of this JSON, in <RUNNER>_RESULTS):
 * every check of one run as a test of its own, so a push grades once. */
bool write_classroom(const char *path, const struct lab_result *labs, int n)
{
    json_t *tests = json_array();
    double max = 0;
    bool all_passed = true;
    for (int i = 0; i < n; i++) {
        const struct lab_result *r = &labs[i];
        char name[64];
        lab_dirname(r->lab, name, sizeof name);
        max += r->max_score;
        for (int k = 0; k < r->nchecks; k++) {
            const struct check_result *c = &r->checks[k];
            const char *status = c->status == ST_PASSED  ? "pass"
                                 : c->status == ST_ERROR ? "error"
                                                         : "fail";
            all_passed = all_passed && c->status == ST_PASSED;
            char *title = xasprintf("%s %s", name, c->name);
            char *message = xasprintf("%s%s%s", c->message ? c->message : "",
                                      c->hint && c->status != ST_PASSED ? "\nhint: " : "",
                                      c->hint && c->status != ST_PASSED ? c->hint : "");
            cap_text(message, CLASSROOM_MESSAGE_CAP);
            char *seconds = xasprintf("%.3fs", c->ms / 1000);
            json_array_append_new(tests,
                                  json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:i, s:s}", "name",
                                            title, "status", status, "score",
                                            json_points(c->points), "message",
                                            json_text(message), "test_code", "", "filename", "",
                                            "line_no", 0, "execution_time", seconds));
            free(title);
            free(message);
            free(seconds);
        }
    }
    json_t *j = json_pack("{s:i, s:s, s:o, s:o}", "version", 1, "status",
                          all_passed ? "pass" : "fail", "max_score", json_points(max), "tests", tests);
    int flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
    int rc = strcmp(path, "-") ? json_dump_file(j, path, flags) : json_dumpf(j, stdout, flags);
    if (!strcmp(path, "-"))
        putchar('\n');
    json_decref(j);
    return rc == 0;
}
