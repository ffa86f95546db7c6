/* Results out: JSON (for machines and between processes) and text for people. */
#define _GNU_SOURCE
#include "selfstudy.h"

#include <stdlib.h>
#include <string.h>

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
    return j ? j : json_string("(unreadable text)");
}

json_t *lab_result_json(const struct lab_result *res)
{
    json_t *checks = json_array();
    for (int i = 0; i < res->nchecks; i++) {
        const struct check_result *c = &res->checks[i];
        json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:f}", "name", c->name, "kind",
                              kind_name(c->kind), "status", status_name(c->status), "points",
                              c->points, "max_points", c->max_points, "ms", c->ms);
        json_object_set_new(j, "message", c->message ? json_text(c->message) : json_null());
        if (c->hint && c->status != ST_PASSED)
            json_object_set_new(j, "hint", json_text(c->hint));
        json_array_append_new(checks, j);
    }
    json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:f, s:o}", "id", res->lab->id, "slug",
                          res->lab->slug, "title", res->lab->title, "score", res->score,
                          "max_score", res->max_score, "ms", res->ms, "checks", checks);
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
    res->score = (int)json_integer_value(json_object_get(j, "score"));
    res->max_score = (int)json_integer_value(json_object_get(j, "max_score"));
    res->ms = json_number_value(json_object_get(j, "ms"));
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
        r->points = (int)json_integer_value(json_object_get(c, "points"));
        r->max_points = (int)json_integer_value(json_object_get(c, "max_points"));
        r->ms = json_number_value(json_object_get(c, "ms"));
        s = json_string_value(json_object_get(c, "message"));
        r->message = s ? xstrdup(s) : NULL;
        r->reported = true;
    }
    res->built = res->nchecks > 0 && res->checks[0].status == ST_PASSED;
    return true;
}

json_t *report_json(const struct lab_result *labs, int n)
{
    json_t *arr = json_array();
    int score = 0, max = 0;
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, lab_result_json(&labs[i]));
        score += labs[i].score;
        max += labs[i].max_score;
    }
    return json_pack("{s:i, s:i, s:o}", "score", score, "max_score", max, "labs", arr);
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

static void bar(FILE *out, int score, int max, const struct palette *c)
{
    enum { WIDTH = 20 };
    int full = max > 0 ? score * WIDTH / max : 0;
    fputs(score == max ? c->green : score > 0 ? c->yellow : c->red, out);
    for (int i = 0; i < WIDTH; i++)
        fputs(i < full ? "#" : ".", out);
    fputs(c->off, out);
}

void report_human(FILE *out, const struct lab_result *labs, int n, bool verbose, bool color)
{
    struct palette c = {"", "", "", "", "", ""};
    if (color)
        c = (struct palette){"\033[32m", "\033[31m", "\033[33m", "\033[2m", "\033[1m", "\033[0m"};
    int score = 0, max = 0, done = 0;
    for (int i = 0; i < n; i++) {
        const struct lab_result *r = &labs[i];
        score += r->score;
        max += r->max_score;
        done += r->score == r->max_score;
        char name[64];
        lab_dirname(r->lab, name, sizeof name);
        fprintf(out, "%s%-26s%s [", c.bold, name, c.off);
        bar(out, r->score, r->max_score, &c);
        fprintf(out, "] %3d/%-3d", r->score, r->max_score);
        if (verbose)
            fprintf(out, " %s%6.0f ms%s", c.dim, r->ms, c.off);
        fputc('\n', out);
        if (r->notes) {
            fprintf(out, "    %s! cleaned up after the run:%s\n", c.yellow, c.off);
            print_indented(out, r->notes, "        ", 6);
        }
        for (int k = 0; k < r->nchecks; k++) {
            const struct check_result *ch = &r->checks[k];
            bool passed = ch->status == ST_PASSED;
            if (passed && !verbose)
                continue;
            if (k == 0 && passed) {
                if (r->build_log && *r->build_log) {
                    fprintf(out, "    %s! compiler warnings:%s\n", c.yellow, c.off);
                    print_indented(out, r->build_log, "        ", 12);
                }
                continue;
            }
            fprintf(out, "    %s%s%s %s", passed ? c.green : c.red, passed ? "ok  " : "FAIL", c.off,
                    ch->name);
            if (ch->max_points)
                fprintf(out, " (%d/%d)", ch->points, ch->max_points);
            if (!passed && ch->status != ST_FAILED)
                fprintf(out, " [%s]", status_name(ch->status));
            if (verbose)
                fprintf(out, " %s%.0f ms [%s]%s", c.dim, ch->ms, kind_name(ch->kind), c.off);
            fputc('\n', out);
            if (!passed && ch->message)
                print_indented(out, ch->message, "        ", 30);
            if (!passed && ch->hint && ch->status != ST_ERROR)
                fprintf(out, "        %s%s: %s%s\n", c.dim, want_chinese() ? "提示" : "hint",
                        ch->hint, c.off);
        }
    }
    if (n > 1 || verbose) {
        fprintf(out, "%sTotal%s %d/%d points; %d of %d labs at full marks  [", c.bold, c.off, score,
                max, done, n);
        bar(out, score, max, &c);
        fputs("]\n", out);
    }
}
