/*
 * The class report: one static page (DIR/index.html, no server, no script)
 * made from a batch's per-student JSON reports: the scores per lab and their
 * distribution, every student's result in every check, the checks that fail
 * most with their most common message, and a link to each student's
 * feedback. `grade report REPORTS --html DIR`, or `grade batch ... --html DIR`.
 */
#define _GNU_SOURCE
#include "classreport.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* A path as a relative URL from the folder `from`: each byte outside the
 * plain ones percent-encoded (names may hold spaces, '#', UTF-8). */
static char *relative_url(const char *from, const char *to)
{
    char *a = realpath(from, NULL), *b = realpath(to, NULL);
    if (!a || !b) {
        free(a);
        free(b);
        return xstrdup(to);
    }
    char *dir = xasprintf("%s%s", a, ends_with(a, "/") ? "" : "/");
    size_t common = 0; /* the folders both paths start with, up to a '/' */
    for (size_t i = 0; dir[i] && dir[i] == b[i]; i++)
        if (dir[i] == '/')
            common = i + 1;
    char *out = xstrdup("");
    for (const char *p = dir + common; *p; p++)
        if (*p == '/') {
            char *more = xasprintf("%s../", out);
            free(out);
            out = more;
        }
    free(dir);
    for (const unsigned char *p = (const unsigned char *)b + common; *p; p++) {
        char *more = isalnum(*p) || strchr("/._-~", *p) ? xasprintf("%s%c", out, *p)
                                                        : xasprintf("%s%%%02X", out, *p);
        free(out);
        out = more;
    }
    free(a);
    free(b);
    return out;
}

/* The first line of a failure's message that is its own (not "a consequence
 * of ..."), and the same with its numbers as N to group messages by. */
static void message_line(json_t *check, char **text, char **key)
{
    const char *m = json_string_value(json_object_get(check, "message"));
    m = m ? m : "";
    if (json_array_size(json_object_get(check, "consequence_of")) && strchr(m, '\n'))
        m = strchr(m, '\n') + 1;
    size_t len = strcspn(m, "\n");
    *text = xasprintf("%.*s", (int)(len > 200 ? 200 : len), m);
    *key = xstrdup("");
    for (const char *p = *text; *p; p++) {
        bool digit = isdigit((unsigned char)*p);
        if (digit && p > *text && isdigit((unsigned char)p[-1]))
            continue;
        char *more = xasprintf("%s%c", *key, digit ? 'N' : *p);
        free(*key);
        *key = more;
    }
}

static void count_message(struct cr_check *c, json_t *check)
{
    char *text, *key;
    message_line(check, &text, &key);
    for (int i = 0; i < c->nmessages; i++)
        if (!strcmp(c->messages[i].key, key)) {
            c->messages[i].count++;
            free(text);
            free(key);
            return;
        }
    c->messages = realloc(c->messages, (size_t)(c->nmessages + 1) * sizeof *c->messages);
    c->messages[c->nmessages++] = (struct cr_message){key, text, 1};
}

/* The object of parent's array `list` whose `key` is value, or NULL. */
static json_t *member(json_t *parent, const char *list, const char *key, const char *value)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(parent, list), i, e)
    {
        const char *v = json_string_value(json_object_get(e, key));
        if (v && !strcmp(v, value))
            return e;
    }
    return NULL;
}

static json_t *lab_of(json_t *report, const char *id)
{
    return member(report, "labs", "id", id);
}

static json_t *check_of(json_t *lab, const char *name)
{
    return member(lab, "checks", "name", name);
}

static int status_of(json_t *check)
{
    static const char *const names[] = {"passed", "failed", "timeout", "crashed", "error"};
    const char *s = json_string_value(json_object_get(check, "status"));
    for (int i = 0; s && i < 5; i++)
        if (!strcmp(s, names[i]))
            return i;
    return check ? ST_ERROR : CELL_NOT_GRADED;
}

static json_t **load_reports(const char *dir, char ***names, int *n)
{
    struct dirent **list;
    int k = scandir(dir, &list, NULL, alphasort);
    json_t **reports = xcalloc((size_t)(k > 0 ? k : 1), sizeof *reports);
    *names = xcalloc((size_t)(k > 0 ? k : 1), sizeof **names);
    *n = 0;
    for (int i = 0; i < k; i++) {
        const char *e = list[i]->d_name;
        if (e[0] != '.' && ends_with(e, ".json")) {
            char *path = xasprintf("%s/%s", dir, e);
            json_t *j = json_load_file(path, 0, NULL);
            if (json_is_object(j)) {
                reports[*n] = j;
                (*names)[(*n)++] = xasprintf("%.*s", (int)(strlen(e) - 5), e);
            } else {
                fprintf(stderr, "grade: report: %s is not a JSON report: left out\n", path);
                json_decref(j);
            }
            free(path);
        }
        free(list[i]);
    }
    if (k >= 0)
        free(list);
    return reports;
}

static void gather(const struct kit *kit, json_t **reports, char **names, int n,
                   const char *reports_dir, const char *feedback, const char *dir,
                   struct class_data *d)
{
    const struct manifest *m = &kit->manifest;
    d->labs = xcalloc((size_t)m->nlabs, sizeof *d->labs);
    d->lab_max = xcalloc((size_t)m->nlabs, sizeof *d->lab_max);
    for (int l = 0; l < m->nlabs; l++)
        for (int s = 0; s < n; s++)
            if (lab_of(reports[s], m->labs[l].id)) {
                d->lab_max[d->nlabs] = lab_max_points(&m->labs[l]);
                d->labs[d->nlabs++] = &m->labs[l];
                break;
            }
    for (int l = 0; l < d->nlabs; l++)
        d->nchecks += d->labs[l]->nchecks + 1;
    d->checks = xcalloc((size_t)d->nchecks + 1, sizeof *d->checks);
    int c = 0;
    for (int l = 0; l < d->nlabs; l++) {
        d->checks[c++] = (struct cr_check){.lab = l, .name = "build"};
        for (int k = 0; k < d->labs[l]->nchecks; k++)
            d->checks[c++] = (struct cr_check){.lab = l, .name = d->labs[l]->checks[k].name};
    }
    d->nstudents = n;
    d->students = xcalloc((size_t)n + 1, sizeof *d->students);
    for (int s = 0; s < n; s++) {
        struct cr_student *st = &d->students[s];
        const char *name = json_string_value(json_object_get(reports[s], "student"));
        const char *note = json_string_value(json_object_get(reports[s], "note"));
        st->report = xstrdup(names[s]);
        st->name = xstrdup(name ? name : names[s]);
        st->note = xstrdup(note ? note : "");
        char *md = xasprintf("%s/%s.md", feedback, names[s]);
        char *js = xasprintf("%s/%s.json", reports_dir, names[s]);
        st->link = relative_url(dir, path_exists(md) ? md : js);
        free(md);
        free(js);
        st->lab_score = xcalloc((size_t)d->nlabs + 1, sizeof *st->lab_score);
        st->cell = xcalloc((size_t)d->nchecks + 1, sizeof *st->cell);
        for (int l = 0; l < d->nlabs; l++) {
            json_t *lab = lab_of(reports[s], d->labs[l]->id);
            st->lab_score[l] = lab ? (int)json_integer_value(json_object_get(lab, "score")) : 0;
            st->total += st->lab_score[l];
            st->max += d->lab_max[l];
        }
        for (int k = 0; k < d->nchecks; k++) {
            json_t *lab = lab_of(reports[s], d->labs[d->checks[k].lab]->id);
            json_t *check = lab ? check_of(lab, d->checks[k].name) : NULL;
            st->cell[k] = (signed char)(lab ? status_of(check) : CELL_NOT_GRADED);
            if (lab && st->cell[k] != ST_PASSED) {
                d->checks[k].failed++;
                if (check)
                    count_message(&d->checks[k], check);
            }
        }
    }
}

static void class_data_free(struct class_data *d)
{
    for (int s = 0; s < d->nstudents; s++) {
        struct cr_student *st = &d->students[s];
        free(st->report);
        free(st->name);
        free(st->note);
        free(st->link);
        free(st->lab_score);
        free(st->cell);
    }
    for (int c = 0; c < d->nchecks; c++) {
        for (int i = 0; i < d->checks[c].nmessages; i++) {
            free(d->checks[c].messages[i].key);
            free(d->checks[c].messages[i].text);
        }
        free(d->checks[c].messages);
    }
    free(d->students);
    free(d->checks);
    free(d->labs);
    free(d->lab_max);
}

static int by_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static const char *const STYLE =
    "body{font-family:'DejaVu Sans',sans-serif;margin:24px;color:#222;max-width:none}"
    "h1{margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px "
    "8px;text-align:right}td.text,th.text{text-align:left}th{background:#f3f3f3}"
    ".plots{display:flex;flex-wrap:wrap;gap:12px}.plots svg{border:1px solid #ddd}"
    "svg text{font-family:'DejaVu Sans',sans-serif}.plot-title{font-size:13px;font-weight:bold}"
    ".count,.tick,.axis{font-size:10px}.check{font-size:9px}.student{font-size:9px;fill:#1a4fa0}"
    ".lab{font-size:10px;font-weight:bold}.legend span{display:inline-block;width:12px;"
    "height:12px;margin:0 4px 0 12px;vertical-align:middle}.scroll{overflow-x:auto}";

static void write_lab_table(FILE *f, const struct class_data *d)
{
    fputs("<h2 id=\"labs\">Scores per lab</h2>\n<table id=\"lab-summary\">\n<tr><th "
          "class=\"text\">lab</th><th>students</th><th>mean</th><th>median</th><th>full "
          "marks</th><th>zero</th><th>max</th></tr>\n",
          f);
    int *scores = xcalloc((size_t)d->nstudents + 1, sizeof *scores);
    for (int l = 0; l < d->nlabs; l++) {
        int sum = 0, full = 0, zero = 0;
        for (int s = 0; s < d->nstudents; s++) {
            scores[s] = d->students[s].lab_score[l];
            sum += scores[s];
            full += scores[s] == d->lab_max[l];
            zero += scores[s] == 0;
        }
        qsort(scores, (size_t)d->nstudents, sizeof *scores, by_int);
        int n = d->nstudents;
        double median = n == 0  ? 0
                        : n % 2 ? scores[n / 2]
                                : (scores[n / 2 - 1] + scores[n / 2]) / 2.0;
        char name[64];
        lab_dirname(d->labs[l], name, sizeof name);
        fprintf(f,
                "<tr data-lab=\"%s\"><td class=\"text\">%s</td><td>%d</td><td>%.1f</td>"
                "<td>%.1f</td><td>%d</td><td>%d</td><td>%d</td></tr>\n",
                d->labs[l]->id, name, n, n ? (double)sum / n : 0.0, median, full, zero,
                d->lab_max[l]);
    }
    fputs("</table>\n<div class=\"plots\">\n", f);
    for (int l = 0; l < d->nlabs; l++) {
        for (int s = 0; s < d->nstudents; s++)
            scores[s] = d->students[s].lab_score[l];
        char name[64];
        lab_dirname(d->labs[l], name, sizeof name);
        svg_histogram(f, name, scores, d->nstudents, d->lab_max[l]);
    }
    fputs("</div>\n", f);
    free(scores);
}

static int by_failures(const void *a, const void *b)
{
    const struct cr_check *x = *(const struct cr_check *const *)a;
    const struct cr_check *y = *(const struct cr_check *const *)b;
    if (x->failed != y->failed)
        return y->failed - x->failed;
    return x < y ? -1 : x > y; /* then in the labs' order */
}

static void write_top_failures(FILE *f, const struct class_data *d)
{
    enum { SHOWN = 15 };
    const struct cr_check **order = xcalloc((size_t)d->nchecks + 1, sizeof *order);
    for (int c = 0; c < d->nchecks; c++)
        order[c] = &d->checks[c];
    qsort(order, (size_t)d->nchecks, sizeof *order, by_failures);
    fputs("<h2 id=\"failures\">The checks that fail most</h2>\n<p>What to teach again: each "
          "check that most students did not pass, with the message they saw most (numbers "
          "aside).</p>\n<table id=\"top-failures\">\n<tr><th class=\"text\">lab</th><th "
          "class=\"text\">check</th><th>did not pass</th><th class=\"text\">most common "
          "message</th><th>students who saw it</th></tr>\n",
          f);
    for (int i = 0; i < d->nchecks && i < SHOWN && order[i]->failed > 0; i++) {
        const struct cr_check *c = order[i];
        const struct cr_message *top = NULL;
        for (int k = 0; k < c->nmessages; k++)
            if (!top || c->messages[k].count > top->count)
                top = &c->messages[k];
        fprintf(f, "<tr><td class=\"text\">%s</td><td class=\"text\">", d->labs[c->lab]->id);
        markup_put(f, c->name, true);
        fprintf(f, "</td><td>%d</td><td class=\"text\">", c->failed);
        markup_put(f, top ? top->text : "", true);
        fprintf(f, "</td><td>%d</td></tr>\n", top ? top->count : 0);
    }
    fputs("</table>\n", f);
    free(order);
}

static void write_heatmap(FILE *f, const struct class_data *d)
{
    fputs("<h2 id=\"heatmap\">Every student, every check</h2>\n<p class=\"legend\">", f);
    int statuses[] = {ST_PASSED, ST_FAILED, ST_TIMEOUT, ST_CRASHED, ST_ERROR, CELL_NOT_GRADED};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        fprintf(f, "<span style=\"background:%s\"></span>%s", cell_colour(statuses[i]),
                cell_word(statuses[i]));
    fputs("</p>\n<div class=\"scroll\">\n", f);
    svg_heatmap(f, d);
    fputs("</div>\n", f);
}

static void write_students(FILE *f, const struct class_data *d)
{
    fputs("<h2 id=\"students\">Students</h2>\n<table id=\"student-scores\">\n<tr><th "
          "class=\"text\">student</th>",
          f);
    for (int l = 0; l < d->nlabs; l++)
        fprintf(f, "<th>%s</th>", d->labs[l]->id);
    fputs("<th>total</th><th>max</th><th class=\"text\">note</th></tr>\n", f);
    for (int s = 0; s < d->nstudents; s++) {
        const struct cr_student *st = &d->students[s];
        fputs("<tr><td class=\"text\"><a href=\"", f);
        markup_put(f, st->link, true);
        fputs("\">", f);
        markup_put(f, st->name, true);
        fputs("</a></td>", f);
        for (int l = 0; l < d->nlabs; l++)
            fprintf(f, "<td>%d</td>", st->lab_score[l]);
        fprintf(f, "<td>%d</td><td>%d</td><td class=\"text\">", st->total, st->max);
        markup_put(f, st->note, true);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

bool class_report_write(const struct kit *kit, const char *reports_dir, const char *feedback,
                        const char *dir)
{
    if (!is_dir(reports_dir)) {
        fprintf(stderr,
                "grade: report: %s is not a folder (give the folder of JSON reports a batch "
                "wrote, its --out)\n",
                reports_dir);
        return false;
    }
    char **names;
    int n;
    json_t **reports = load_reports(reports_dir, &names, &n);
    char *page = xasprintf("%s/index.html", dir);
    bool ok = n > 0 && mkdir_p(dir);
    FILE *f = ok ? fopen(page, "w") : NULL;
    if (!f) {
        fprintf(stderr,
                n ? "grade: report: cannot write %s\n"
                  : "grade: report: no STUDENT.json reports in %s (give the --out folder of a "
                    "batch)\n",
                n ? page : reports_dir);
    } else {
        struct class_data d = {0};
        gather(kit, reports, names, n, reports_dir, feedback, dir, &d);
        fprintf(f,
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'\">\n<title>proc-labs: class report</title>\n"
                "<style>%s</style>\n</head>\n<body>\n<h1>Class report</h1>\n"
                "<p id=\"summary\">%d student%s, %d lab%s:",
                STYLE, d.nstudents, d.nstudents == 1 ? "" : "s", d.nlabs, d.nlabs == 1 ? "" : "s");
        for (int l = 0; l < d.nlabs; l++)
            fprintf(f, " %s", d.labs[l]->id);
        fputs(". Each student's name links to their feedback.</p>\n", f);
        write_lab_table(f, &d);
        write_top_failures(f, &d);
        write_heatmap(f, &d);
        write_students(f, &d);
        fputs("</body>\n</html>\n", f);
        ok = fclose(f) == 0;
        if (!ok)
            fprintf(stderr, "grade: report: cannot write %s\n", page);
        class_data_free(&d);
    }
    for (int i = 0; i < n; i++) {
        json_decref(reports[i]);
        free(names[i]);
    }
    free(reports);
    free(names);
    free(page);
    return f && ok;
}

int cmd_report(struct kit *kit, const struct cli *cli)
{
    if (cli->nnames != 1 || !cli->html) {
        fputs("grade: usage: grade report REPORTS --html DIR [--feedback DIR]  (REPORTS: the "
              "folder of JSON reports a batch wrote)\n",
              stderr);
        return 2;
    }
    const char *feedback = cli->feedback ? cli->feedback : cli->names[0];
    if (!class_report_write(kit, cli->names[0], feedback, cli->html))
        return 2;
    printf("class report: %s/index.html\n", cli->html);
    return 0;
}
