/* Results out: JSON (for machines and between processes) and text for people. */
#define _GNU_SOURCE
#include "selfstudy.h"
#include "i18n.h"
#include "explain.h"

#include <stdlib.h>
#include <string.h>

static long long hundredths(double points)
{
    return (long long)(points * 100 + (points < 0 ? -0.5 : 0.5));
}

json_t *json_points(double points)
{
    long long h = hundredths(points);
    return h % 100 == 0 ? json_integer(h / 100) : json_real((double)h / 100);
}

void format_points(char *buf, size_t size, double points)
{
    long long h = hundredths(points);
    if (h % 100 == 0)
        snprintf(buf, size, "%lld", h / 100);
    else if (h % 10 == 0)
        snprintf(buf, size, "%.1f", (double)h / 100);
    else
        snprintf(buf, size, "%.2f", (double)h / 100);
}

const char *pts(double points)
{
    static char bufs[8][32];
    static int next;
    char *b = bufs[next++ % 8];
    format_points(b, sizeof bufs[0], points);
    return b;
}

json_t *json_text(const char *s)
{
    /* Student output may hold any bytes, and jansson takes only UTF-8:
     * what is not valid becomes '?', and the report is always written. */
    json_t *j = json_string(s);
    if (j)
        return j;
    char *copy = xstrdup(s);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80 || ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t'))
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j ? j : json_string(_("(unreadable text)"));
}

/* "a, b" as ["a", "b"], and back: the names of checks. */
static json_t *name_list_json(const char *names)
{
    json_t *arr = json_array();
    char *copy = xstrdup(names);
    for (char *save = NULL, *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save))
        json_array_append_new(arr, json_text(w));
    free(copy);
    return arr;
}

static char *name_list_from_json(json_t *arr)
{
    char *out = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        char *more = xasprintf("%s%s%s", out ? out : "", out ? ", " : "", s);
        free(out);
        out = more;
    }
    return out;
}

json_t *lab_result_json(const struct lab_result *res)
{
    json_t *checks = json_array();
    for (int i = 0; i < res->nchecks; i++) {
        const struct check_result *c = &res->checks[i];
        json_t *j =
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:f}", "name", c->name, "kind", kind_name(c->kind),
                      "status", status_name(c->status), "points", json_points(c->points),
                      "max_points", json_points(c->max_points), "ms", c->ms);
        json_object_set_new(j, "message", c->message ? json_text(c->message) : json_null());
        if (c->hint && c->status != ST_PASSED)
            json_object_set_new(j, "hint", json_text(c->hint));
        if (c->consequence_of)
            json_object_set_new(j, "consequence_of", name_list_json(c->consequence_of));
        if (c->may_also_fix)
            json_object_set_new(j, "may_also_fix", name_list_json(c->may_also_fix));
        json_array_append_new(checks, j);
    }
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:o, s:o, s:f, s:o}", "id", res->lab->id, "slug", res->lab->slug,
                  "title", res->lab->title, "score", json_points(res->score), "max_score",
                  json_points(res->max_score), "ms", res->ms, "checks", checks);
    json_object_set_new(j, "stall_ms", json_real(res->stall_ms));
    if (res->error)
        json_object_set_new(j, "error", json_text(res->error));
    if (res->notes)
        json_object_set_new(j, "notes", json_text(res->notes));
    if (res->build_log && *res->build_log)
        json_object_set_new(j, "build_log", json_text(res->build_log));
    return j;
}

static int index_of(const char *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(name, names[i]))
            return i;
    return 0;
}

bool lab_result_from_json(json_t *j, const struct manifest *m, struct lab_result *res)
{
    const char *id = json_string_value(json_object_get(j, "id"));
    const struct lab_spec *lab = id ? manifest_find(m, id) : NULL;
    json_t *checks = json_object_get(j, "checks");
    if (!lab || !json_is_array(checks))
        return false;
    memset(res, 0, sizeof *res);
    res->lab = lab;
    res->score = json_number_value(json_object_get(j, "score"));
    res->max_score = json_number_value(json_object_get(j, "max_score"));
    res->ms = json_number_value(json_object_get(j, "ms"));
    res->stall_ms = json_number_value(json_object_get(j, "stall_ms"));
    const char *s = json_string_value(json_object_get(j, "error"));
    res->error = s ? xstrdup(s) : NULL;
    s = json_string_value(json_object_get(j, "notes"));
    res->notes = s ? xstrdup(s) : NULL;
    s = json_string_value(json_object_get(j, "build_log"));
    res->build_log = s ? xstrdup(s) : NULL;
    res->nchecks = (int)json_array_size(checks);
    res->checks = xcalloc((size_t)res->nchecks, sizeof *res->checks);
    static const char *const kinds[] = {"build", "criterion", "bats"};
    static const char *const statuses[] = {"passed", "failed", "timeout", "crashed", "error"};
    for (int i = 0; i < res->nchecks; i++) {
        json_t *c = json_array_get(checks, (size_t)i);
        struct check_result *r = &res->checks[i];
        const char *name = json_string_value(json_object_get(c, "name"));
        r->name = "build";
        for (int k = 0; name && k < lab->nchecks; k++)
            if (!strcmp(name, lab->checks[k].name)) {
                r->name = lab->checks[k].name;
                r->hint = lab->checks[k].hint;
            }
        const char *kind = json_string_value(json_object_get(c, "kind"));
        const char *status = json_string_value(json_object_get(c, "status"));
        r->kind = (enum check_kind)index_of(kind ? kind : "", kinds, 3);
        r->status = (enum check_status)index_of(status ? status : "", statuses, 5);
        r->points = json_number_value(json_object_get(c, "points"));
        r->max_points = json_number_value(json_object_get(c, "max_points"));
        r->ms = json_number_value(json_object_get(c, "ms"));
        s = json_string_value(json_object_get(c, "message"));
        r->message = s ? xstrdup(s) : NULL;
        r->reported = true;
        r->consequence_of = name_list_from_json(json_object_get(c, "consequence_of"));
        r->may_also_fix = name_list_from_json(json_object_get(c, "may_also_fix"));
        if (r->consequence_of)
            r->hint = NULL; /* the root's hint is the one to follow */
    }
    res->built = res->nchecks > 0 && res->checks[0].status == ST_PASSED;
    return true;
}

json_t *report_json(const struct lab_result *labs, int n)
{
    json_t *arr = json_array();
    double score = 0, max = 0;
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, lab_result_json(&labs[i]));
        score += labs[i].score;
        max += labs[i].max_score;
    }
    return json_pack("{s:o, s:o, s:o}", "score", json_points(score), "max_score", json_points(max),
                     "labs", arr);
}

/* ---- root causes ------------------------------------------------------------ */

static struct check_result *result_of(struct lab_result *res, const char *name)
{
    for (int i = 1; i < res->nchecks; i++)
        if (!strcmp(res->checks[i].name, name))
            return &res->checks[i];
    return NULL;
}

/* Failed on its own evidence: not a check its runner never reported (those
 * all share one message about the runner) and not a grader error. */
static bool failed(const struct check_result *c)
{
    return c && c->reported && c->status != ST_PASSED && c->status != ST_ERROR;
}

static void append_name(char **list, const char *name)
{
    char *more = xasprintf("%s%s%s", *list ? *list : "", *list ? ", " : "", name);
    free(*list);
    *list = more;
}

/* The roots behind check i: follow the live links to checks nothing explains. */
static void find_roots(int i, bool *const *link, const bool *explained, int n, bool *seen,
                       bool *roots)
{
    seen[i] = true;
    for (int j = 0; j < n; j++) {
        if (!link[i][j] || seen[j])
            continue;
        if (!explained[j])
            roots[j] = true;
        else
            find_roots(j, link, explained, n, seen, roots);
    }
}

void explain_causes(struct lab_result *res)
{
    const struct lab_spec *lab = res->lab;
    int n = lab->nchecks;
    if (!res->built || n == 0)
        return;
    /* link[i][j]: check i failed and its explained_by root j failed too (with
     * the words its "when" asks for). Two checks blaming each other say
     * nothing: both links go. */
    bool **link = xcalloc((size_t)n, sizeof *link);
    struct check_result **r = xcalloc((size_t)n, sizeof *r);
    for (int i = 0; i < n; i++) {
        link[i] = xcalloc((size_t)n, sizeof **link);
        r[i] = result_of(res, lab->checks[i].name);
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < lab->checks[i].ncauses && failed(r[i]); k++) {
            const struct cause *c = &lab->checks[i].causes[k];
            for (int j = 0; j < n; j++)
                if (!strcmp(lab->checks[j].name, c->check) && failed(r[j]) &&
                    (!c->when || (r[j]->message && (strstr(r[j]->message, c->when) ||
                                                    strstr(r[j]->message, _(c->when))))))
                    link[i][j] = true;
        }
    bool *explained = xcalloc((size_t)n, sizeof *explained);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (link[i][j] && link[j][i])
                link[i][j] = link[j][i] = false;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            explained[i] = explained[i] || link[i][j];

    bool *seen = xcalloc((size_t)n, sizeof *seen), *roots = xcalloc((size_t)n, sizeof *roots);
    char **fixes = xcalloc((size_t)n, sizeof *fixes);
    for (int i = 0; i < n; i++) {
        if (!explained[i])
            continue;
        memset(seen, 0, (size_t)n * sizeof *seen);
        memset(roots, 0, (size_t)n * sizeof *roots);
        find_roots(i, link, explained, n, seen, roots);
        char *names = NULL;
        for (int j = 0; j < n; j++)
            if (roots[j]) {
                append_name(&names, lab->checks[j].name);
                append_name(&fixes[j], lab->checks[i].name);
            }
        if (!names)
            continue; /* a loop of three or more: no root to name */
        char *msg = xasprintf(_("probably a consequence of %s: fix that first\n%s"), names,
                              r[i]->message ? r[i]->message : "");
        free(r[i]->message);
        r[i]->message = msg;
        r[i]->consequence_of = names;
        r[i]->hint = NULL; /* its hint would send the student to code that may be right */
    }
    for (int j = 0; j < n; j++) {
        if (!fixes[j])
            continue;
        char *msg = xasprintf(_("%s\nfixing this may also fix: %s"),
                              r[j]->message ? r[j]->message : "", fixes[j]);
        free(r[j]->message);
        r[j]->message = msg;
        r[j]->may_also_fix = fixes[j];
    }
    for (int i = 0; i < n; i++)
        free(link[i]);
    free(link);
    free(r);
    free(explained);
    free(seen);
    free(roots);
    free(fixes);
}

/* ---- text for people ------------------------------------------------------ */

struct palette {
    const char *green, *red, *yellow, *dim, *bold, *off;
};

static void print_indented(FILE *out, const char *text, const char *indent, int max_lines)
{
    int lines = 0;
    const char *p = text;
    while (*p && lines < max_lines) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        fprintf(out, "%s%.*s\n", indent, (int)len, p);
        lines++;
        p = end ? end + 1 : p + len;
    }
    if (*p)
        fprintf(out, "%s...\n", indent);
}

static void bar(FILE *out, double score, double max, const struct palette *c)
{
    enum { WIDTH = 20 };
    int full = max > 0 ? (int)(score * WIDTH / max) : 0;
    fputs(score == max ? c->green : score > 0 ? c->yellow : c->red, out);
    for (int i = 0; i < WIDTH; i++)
        fputs(i < full ? "#" : ".", out);
    fputs(c->off, out);
}

static struct palette palette(bool color)
{
    if (color)
        return (struct palette){"\033[32m", "\033[31m", "\033[33m",
                                "\033[2m",  "\033[1m",  "\033[0m"};
    return (struct palette){"", "", "", "", "", ""};
}

void report_lab_line(FILE *out, const struct lab_result *r, bool verbose, bool color)
{
    struct palette c = palette(color);
    char name[64];
    lab_dirname(r->lab, name, sizeof name);
    fprintf(out, "%s%-26s%s [", c.bold, name, c.off);
    bar(out, r->score, r->max_score, &c);
    fprintf(out, "] %3s/%-3s", pts(r->score), pts(r->max_score));
    if (verbose)
        fprintf(out, " %s%6.0f ms%s", c.dim, r->ms, c.off);
    fputc('\n', out);
}

/* Checks that never ran because the build failed: they share its reason. */
static bool not_run(const struct lab_result *r, const struct check_result *ch)
{
    return r->nchecks > 0 && r->checks[0].status != ST_PASSED && ch != &r->checks[0] &&
           ch->status == ST_ERROR;
}

void report_lab_details(FILE *out, const struct lab_result *r, bool verbose, bool color)
{
    struct palette c = palette(color);
    if (r->notes) {
        fprintf(out, "    %s! %s%s\n", c.yellow, _("cleaned up after the run:"), c.off);
        print_indented(out, r->notes, "        ", 6);
    }
    int skipped = 0;
    for (int k = 0; k < r->nchecks; k++) {
        const struct check_result *ch = &r->checks[k];
        bool passed = ch->status == ST_PASSED;
        if (k == 0 && passed) {
            /* Warnings in every grade: the few that are nearly always
             * bugs are errors already, the rest still often are. */
            int n = 0;
            for (const char *w = r->build_log; w && (w = strstr(w, ": warning: ")); w++)
                n++;
            if (n > 0 || (verbose && r->build_log && *r->build_log)) {
                fprintf(out, "    %s! ", c.yellow);
                fprintf(out,
                        verbose ? ngettext("%d compiler warning:", "%d compiler warnings:", n)
                                : ngettext("%d compiler warning (grade -v shows all):",
                                           "%d compiler warnings (grade -v shows all):", n),
                        n);
                fprintf(out, "%s\n", c.off);
                print_indented(out, r->build_log, "        ", verbose ? 40 : 6);
            }
            continue;
        }
        if (passed && !verbose)
            continue;
        if (!verbose && not_run(r, ch)) {
            skipped++;
            continue;
        }
        fprintf(out, "    %s%s%s %s", passed ? c.green : c.red, passed ? _("ok  ") : _("FAIL"),
                c.off, ch->name);
        if (ch->max_points)
            fprintf(out, " (%s/%s)", pts(ch->points), pts(ch->max_points));
        if (!passed && ch->status != ST_FAILED)
            fprintf(out, " [%s]", status_name(ch->status));
        if (verbose)
            fprintf(out, " %s%.0f ms [%s]%s", c.dim, ch->ms, kind_name(ch->kind), c.off);
        fputc('\n', out);
        if (!passed && ch->message)
            print_indented(out, ch->message, "        ", 30);
        if (!passed && ch->hint && ch->status != ST_ERROR)
            fprintf(out, "        %s%s: %s%s\n", c.dim, _("hint"), ch->hint, c.off);
        if (!passed && k > 0 && ch->status != ST_ERROR && ch->reported &&
            explain_supported(r->lab)) /* a check that did not run has nothing to show */
            fprintf(out, "        %s%s: grader/grade explain %s %s%s\n", c.dim, _("see it"),
                    r->lab->id, ch->name, c.off);
    }
    if (skipped)
        fprintf(out,
                ngettext("    %s%d check could not run: fix the build above, then grade again "
                         "(grade -v lists it)%s\n",
                         "    %s%d checks could not run: fix the build above, then grade again "
                         "(grade -v lists them)%s\n",
                         (unsigned long)skipped),
                c.dim, skipped, c.off);
}

void report_total(FILE *out, const struct lab_result *labs, int n, bool color)
{
    struct palette c = palette(color);
    double score = 0, max = 0;
    int done = 0;
    for (int i = 0; i < n; i++) {
        score += labs[i].score;
        max += labs[i].max_score;
        done += labs[i].score == labs[i].max_score;
    }
    fprintf(out, "%s%s%s ", c.bold, _("Total"), c.off);
    fprintf(out,
            ngettext("%s/%s points; %d of %d lab at full marks",
                     "%s/%s points; %d of %d labs at full marks", n),
            pts(score), pts(max), done, n);
    fputs("  [", out);
    bar(out, score, max, &c);
    fputs("]\n", out);
}

void report_human(FILE *out, const struct lab_result *labs, int n, bool verbose, bool color)
{
    for (int i = 0; i < n; i++) {
        report_lab_line(out, &labs[i], verbose, color);
        report_lab_details(out, &labs[i], verbose, color);
    }
    if (n > 1 || verbose)
        report_total(out, labs, n, color);
}
