/*
 * A batch's results. The JSON reports in the reports folder are the record;
 * the CSV, the feedback files and Canvas's CSV are made from all of them,
 * so regrading some labs keeps the others, and shards merge into exactly
 * what one batch would have written.
 */
#define _GNU_SOURCE
#include "batchout.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static int lab_index(const struct manifest *m, const char *id)
{
    for (int i = 0; i < m->nlabs; i++)
        if (!strcmp(m->labs[i].id, id))
            return i;
    return m->nlabs;
}

/* The labs of old and new, new winning, in the manifest's order. */
static json_t *merged_labs(const struct manifest *m, json_t *old, json_t *now)
{
    json_t **by = xcalloc((size_t)m->nlabs + 1, sizeof *by);
    json_t *srcs[2] = {old, now};
    size_t i;
    json_t *lab;
    for (int s = 0; s < 2; s++)
        json_array_foreach(json_object_get(srcs[s], "labs"), i, lab)
        {
            int k = lab_index(m, str(lab, "id"));
            if (k < m->nlabs)
                by[k] = lab;
        }
    json_t *labs = json_array();
    for (int k = 0; k < m->nlabs; k++)
        if (by[k])
            json_array_append(labs, by[k]);
    free(by);
    return labs;
}

static bool store(const struct manifest *m, const char *path, json_t *report)
{
    json_t *old = json_load_file(path, 0, NULL);
    json_t *labs = merged_labs(m, json_is_object(old) ? old : NULL, report);
    double score = 0, max = 0;
    size_t i;
    json_t *lab;
    json_array_foreach(labs, i, lab)
    {
        score += json_number_value(json_object_get(lab, "score"));
        max += json_number_value(json_object_get(lab, "max_score"));
    }
    /* The order of keys is the report's, whoever wrote it first. */
    json_t *out = json_object();
    static const char *const head[] = {"student",      "submission", "id",  "sis_user_id",
                                       "sis_login_id", "section",    "late"};
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++) {
        json_t *v = json_object_get(report, head[k]);
        if (v)
            json_object_set(out, head[k], v);
    }
    json_object_set_new(out, "score", json_points(score));
    json_object_set_new(out, "max_score", json_points(max));
    const char *keys[] = {"note", "submission_notes"};
    for (size_t k = 0; k < 2; k++) {
        json_t *v = json_object_get(report, keys[k]);
        if (v)
            json_object_set(out, keys[k], v);
    }
    json_object_set_new(out, "labs", labs);
    char *tmp = xasprintf("%s.new", path);
    bool ok = json_dump_file(out, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
              rename(tmp, path) == 0;
    free(tmp);
    json_decref(old);
    json_decref(out);
    return ok;
}

bool report_store(const struct manifest *m, const char *dir, const char *stem, json_t *report)
{
    char *path = xasprintf("%s/%s.json", dir, stem);
    bool ok = store(m, path, report);
    free(path);
    json_decref(report);
    return ok;
}

bool report_merge_file(const struct manifest *m, const char *dir, const char *path)
{
    json_t *j = json_load_file(path, 0, NULL);
    const char *slash = strrchr(path, '/');
    char *to = xasprintf("%s/%s", dir, slash ? slash + 1 : path);
    bool ok = json_is_object(j) && json_object_get(j, "submission") && store(m, to, j);
    free(to);
    json_decref(j);
    return ok;
}

/* ---- reading the folder back ------------------------------------------------- */

struct row {
    json_t *report;
    char *stem;
    char *note; /* for the CSV: the submission's problems, overloads, duplicates */
};

static int by_submission(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    return strcmp(str(x->report, "submission"), str(y->report, "submission"));
}

static struct row *load_rows(const char *dir, int *n)
{
    struct dirent **list;
    int k = scandir(dir, &list, NULL, alphasort);
    struct row *rows = xcalloc((size_t)(k > 0 ? k : 1), sizeof *rows);
    *n = 0;
    for (int i = 0; i < k; i++) {
        const char *name = list[i]->d_name;
        size_t len = strlen(name);
        if (len > 5 && !strcmp(name + len - 5, ".json") && name[0] != '.') {
            char *path = xasprintf("%s/%s", dir, name);
            json_t *j = json_load_file(path, 0, NULL);
            if (json_is_object(j) && json_is_string(json_object_get(j, "submission"))) {
                rows[*n].report = j;
                rows[(*n)++].stem = strndup(name, len - 5);
            } else {
                json_decref(j);
            }
            free(path);
        }
        free(list[i]);
    }
    if (k >= 0)
        free(list);
    qsort(rows, (size_t)*n, sizeof *rows, by_submission);
    return rows;
}

static void append(char **s, const char *sep, const char *more)
{
    char *all = xasprintf("%s%s%s", *s ? *s : "", *s ? sep : "", more);
    free(*s);
    *s = all;
}

static const char *student_key(json_t *r)
{
    return *str(r, "id") ? str(r, "id") : str(r, "student");
}

/* Notes for the CSV, and a warning for each student with two submissions. */
static void make_notes(struct row *rows, int n)
{
    for (int i = 0; i < n; i++) {
        json_t *r = rows[i].report;
        if (*str(r, "note"))
            append(&rows[i].note, "; ", str(r, "note"));
        size_t k;
        json_t *lab;
        json_array_foreach(json_object_get(r, "labs"), k, lab)
        {
            if (!json_is_true(json_object_get(lab, "overloaded")))
                continue;
            char *o =
                xasprintf("regrade: machine overloaded (lab %s: the grader waited %.0f ms "
                          "for the CPU, more than its timing checks allow)",
                          str(lab, "id"), json_number_value(json_object_get(lab, "stall_ms")));
            append(&rows[i].note, "; ", o);
            free(o);
        }
        char *others = NULL;
        for (int j = 0; j < n; j++)
            if (j != i && !strcmp(student_key(rows[j].report), student_key(r)))
                append(&others, ", ", str(rows[j].report, "submission"));
        if (others) {
            char *w = xasprintf("student %s handed in more than one submission (also %s): "
                                "decide which counts",
                                student_key(r), others);
            if (i < n && strcmp(str(r, "submission"), others) < 0)
                fprintf(stderr,
                        "grade: batch: warning: %s and %s are both %s's: each has its "
                        "own row and report; decide which counts\n",
                        str(r, "submission"), others, student_key(r));
            append(&rows[i].note, "; ", w);
            free(w);
            free(others);
        }
    }
}

/* ---- the CSV ------------------------------------------------------------------ */

static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static json_t *lab_of(json_t *report, const char *id)
{
    size_t k;
    json_t *lab;
    json_array_foreach(json_object_get(report, "labs"), k,
                       lab) if (!strcmp(str(lab, "id"), id)) return lab;
    return NULL;
}

/* The labs any report holds, in the manifest's order. */
static const struct lab_spec **columns(const struct manifest *m, struct row *rows, int n, int *nc)
{
    const struct lab_spec **cols = xcalloc((size_t)m->nlabs + 1, sizeof *cols);
    *nc = 0;
    for (int l = 0; l < m->nlabs; l++)
        for (int i = 0; i < n; i++)
            if (lab_of(rows[i].report, m->labs[l].id)) {
                cols[(*nc)++] = &m->labs[l];
                break;
            }
    return cols;
}

static double lab_max(const struct lab_spec *lab)
{
    return lab_max_points(lab);
}

/* ",score" per lab of the report; returns the weighted total. */
static double score_cells(FILE *f, json_t *report, const struct lab_spec **cols, int nc)
{
    double total = 0;
    for (int l = 0; l < nc; l++) {
        double score = json_number_value(json_object_get(lab_of(report, cols[l]->id), "score"));
        total += cols[l]->weight * score;
        fprintf(f, ",%s", pts(score));
    }
    return total;
}

static bool write_csv(const char *path, const struct lab_spec **cols, int nc, struct row *rows,
                      int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fputs("student,submission,id", f);
    double max = 0;
    for (int l = 0; l < nc; l++) {
        fprintf(f, ",%s", cols[l]->id);
        max += cols[l]->weight * lab_max(cols[l]);
    }
    fputs(",total,max,note\n", f);
    char num[32];
    for (int i = 0; i < n; i++) {
        json_t *r = rows[i].report;
        csv_field(f, str(r, "student"));
        fputc(',', f);
        csv_field(f, str(r, "submission"));
        fputc(',', f);
        csv_field(f, str(r, "id"));
        double total = score_cells(f, r, cols, nc);
        format_points(num, sizeof num, total);
        fprintf(f, ",%s", num);
        format_points(num, sizeof num, max);
        fprintf(f, ",%s,", num);
        csv_field(f, rows[i].note ? rows[i].note : "");
        fputc('\n', f);
    }
    return fclose(f) == 0;
}

/* Canvas's gradebook import: its five identity columns, one column per lab
 * and the weighted total, and its "Points Possible" row. */
static bool write_canvas(const char *path, const struct lab_spec **cols, int nc, struct row *rows,
                         int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fputs("Student,ID,SIS User ID,SIS Login ID,Section", f);
    for (int l = 0; l < nc; l++)
        fprintf(f, ",proc-labs %s %s", cols[l]->id, cols[l]->slug);
    fputs(",proc-labs total\n    Points Possible,,,,", f);
    char num[32];
    double max = 0;
    for (int l = 0; l < nc; l++) {
        format_points(num, sizeof num, lab_max(cols[l]));
        fprintf(f, ",%s", num);
        max += cols[l]->weight * lab_max(cols[l]);
    }
    format_points(num, sizeof num, max);
    fprintf(f, ",%s\n", num);
    for (int i = 0; i < n; i++) {
        json_t *r = rows[i].report;
        static const char *const ids[] = {"student", "id", "sis_user_id", "sis_login_id",
                                          "section"};
        for (int k = 0; k < 5; k++) {
            if (k)
                fputc(',', f);
            csv_field(f, str(r, ids[k]));
        }
        double total = score_cells(f, r, cols, nc);
        format_points(num, sizeof num, total);
        fprintf(f, ",%s\n", num);
    }
    return fclose(f) == 0;
}

/* ---- feedback a person reads ---------------------------------------------------- */

static void md_block(FILE *f, const char *text)
{
    fputs("\n```text\n", f);
    for (const char *p = text; *p; p++)
        fputc(*p, f);
    if (*text && text[strlen(text) - 1] != '\n')
        fputc('\n', f);
    fputs("```\n", f);
}

static bool write_feedback(const char *path, json_t *r, const char *note)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    char a[32], b[32];
    format_points(a, sizeof a, json_number_value(json_object_get(r, "score")));
    format_points(b, sizeof b, json_number_value(json_object_get(r, "max_score")));
    fprintf(f, "# proc-labs: %s\n\nSubmission: `%s`%s  \nScore: **%s / %s**\n", str(r, "student"),
            str(r, "submission"), json_is_true(json_object_get(r, "late")) ? " (late)" : "", a, b);
    if (note && *note)
        fprintf(f, "\n**Note:** %s\n", note);
    size_t k;
    json_t *v;
    json_t *sn = json_object_get(r, "submission_notes");
    if (json_array_size(sn)) {
        fputs("\n## Your submission\n\n", f);
        json_array_foreach(sn, k, v) fprintf(f, "- %s\n", json_string_value(v));
    }
    json_t *lab;
    json_array_foreach(json_object_get(r, "labs"), k, lab)
    {
        format_points(a, sizeof a, json_number_value(json_object_get(lab, "score")));
        format_points(b, sizeof b, json_number_value(json_object_get(lab, "max_score")));
        fprintf(f, "\n## Lab %s %s: %s / %s\n\n%s\n", str(lab, "id"), str(lab, "slug"), a, b,
                str(lab, "title"));
        if (*str(lab, "error"))
            fprintf(f, "\n**Not graded:** %s\n", str(lab, "error"));
        if (*str(lab, "notes")) {
            fputs("\nCleaned up after the run:\n", f);
            md_block(f, str(lab, "notes"));
        }
        fputs("\n| Check | Result | Points |\n|---|---|---|\n", f);
        size_t c;
        json_t *ch;
        json_t *checks = json_object_get(lab, "checks");
        json_array_foreach(checks, c, ch)
        {
            format_points(a, sizeof a, json_number_value(json_object_get(ch, "points")));
            format_points(b, sizeof b, json_number_value(json_object_get(ch, "max_points")));
            fprintf(f, "| %s | %s | %s / %s |\n", str(ch, "name"), str(ch, "status"), a, b);
        }
        json_array_foreach(checks, c, ch)
        {
            if (!strcmp(str(ch, "status"), "passed"))
                continue;
            fprintf(f, "\n### %s: %s\n", str(ch, "name"), str(ch, "status"));
            if (*str(ch, "message"))
                md_block(f, str(ch, "message"));
            if (*str(ch, "hint"))
                fprintf(f, "\nHint: %s\n", str(ch, "hint"));
        }
        if (*str(lab, "build_log")) {
            fputs("\nCompiler output:\n", f);
            md_block(f, str(lab, "build_log"));
        }
    }
    return fclose(f) == 0;
}

bool write_outputs(const struct manifest *m, const char *dir, const char *csv, const char *canvas)
{
    int n, nc;
    struct row *rows = load_rows(dir, &n);
    make_notes(rows, n);
    const struct lab_spec **cols = columns(m, rows, n, &nc);
    bool ok = true;
    if (csv && !write_csv(csv, cols, nc, rows, n)) {
        fprintf(stderr, "grade: cannot write %s\n", csv);
        ok = false;
    }
    if (canvas && !write_canvas(canvas, cols, nc, rows, n)) {
        fprintf(stderr, "grade: cannot write %s\n", canvas);
        ok = false;
    }
    for (int i = 0; i < n; i++) {
        char *md = xasprintf("%s/%s.md", dir, rows[i].stem);
        if (!write_feedback(md, rows[i].report, rows[i].note)) {
            fprintf(stderr, "grade: cannot write %s\n", md);
            ok = false;
        }
        free(md);
        json_decref(rows[i].report);
        free(rows[i].stem);
        free(rows[i].note);
    }
    free(rows);
    free(cols);
    return ok;
}
