/* Machine formats beside the JSON report: JUnit XML and Gradescope. */
#define _GNU_SOURCE
#include "cli.h"

#include <stdlib.h>
#include <string.h>

void xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            /* XML 1.0 allows no control characters but tab and newlines. */
            if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r')
                fputc(c, f);
        }
    }
}

bool write_junit(const char *path, const struct lab_result *labs, int n)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
    if (!f)
        return false;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"proc-labs\">\n", f);
    for (int i = 0; i < n; i++) {
        const struct lab_result *r = &labs[i];
        int failures = 0;
        for (int k = 0; k < r->nchecks; k++)
            failures += r->checks[k].status != ST_PASSED;
        char name[64];
        lab_dirname(r->lab, name, sizeof name);
        fprintf(f, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n", name,
                r->nchecks, failures, r->ms / 1000);
        for (int k = 0; k < r->nchecks; k++) {
            const struct check_result *c = &r->checks[k];
            fprintf(f, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\">", name, c->name,
                    c->ms / 1000);
            if (c->status != ST_PASSED) {
                fprintf(f, "\n      <failure type=\"%s\" message=\"", status_name(c->status));
                xml_text(f, c->message ? c->message : status_name(c->status));
                fputs("\">", f);
                xml_text(f, c->message);
                if (c->hint) {
                    fputs("\nhint: ", f);
                    xml_text(f, c->hint);
                }
                fputs("</failure>\n    ", f);
            }
            fputs("</testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return f == stdout ? fflush(f) == 0 : fclose(f) == 0;
}

/* Gradescope's results.json: one test per check, scores per test; a hidden
 * check is shown only after the due date unless the manifest says more. */
bool write_gradescope(const char *path, const struct lab_result *labs, int n)
{
    json_t *tests = json_array();
    double total = 0;
    char *summary = xstrdup("");
    for (int i = 0; i < n; i++) {
        const struct lab_result *r = &labs[i];
        char name[64];
        lab_dirname(r->lab, name, sizeof name);
        for (int k = 0; k < r->nchecks; k++) {
            const struct check_result *c = &r->checks[k];
            const struct check_spec *spec = NULL;
            for (int s = 0; s < r->lab->nchecks; s++)
                if (!strcmp(r->lab->checks[s].name, c->name))
                    spec = &r->lab->checks[s];
            if (k == 0 && c->status == ST_PASSED)
                continue; /* a build that worked is no test of its own */
            char *title = xasprintf("%s: %s", name, c->name);
            char *number = xasprintf("%s.%d", r->lab->id, k);
            char *output = xasprintf("%s%s%s", c->message ? c->message : "",
                                     c->hint && c->status != ST_PASSED ? "\nhint: " : "",
                                     c->hint && c->status != ST_PASSED ? c->hint : "");
            const char *visibility = spec && spec->visibility ? spec->visibility
                                     : spec && spec->hidden   ? "after_due_date"
                                                              : "visible";
            json_array_append_new(tests,
                                  json_pack("{s:s, s:s, s:f, s:f, s:s, s:o, s:s}", "name", title,
                                            "number", number, "score", (double)c->points,
                                            "max_score", (double)c->max_points, "status",
                                            c->status == ST_PASSED ? "passed" : "failed", "output",
                                            json_text(output), "visibility", visibility));
            free(title);
            free(number);
            free(output);
        }
        total += r->score;
        char *line = xasprintf("%s%s %d/%d\n", summary, name, r->score, r->max_score);
        free(summary);
        summary = line;
    }
    json_t *j = json_pack("{s:f, s:s, s:s, s:o}", "score", total, "output", summary,
                          "output_format", "text", "tests", tests);
    free(summary);
    int rc = strcmp(path, "-") ? json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                               : json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
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
