/*
 * Instructors' commands: grade a folder of submissions (batch), possibly
 * one shard of it, join shards' results (merge), print a workflow that
 * shards a batch over a GitHub Actions matrix, and read one check's verdict
 * from a report (verdict).
 */
#define _GNU_SOURCE
#include "batchout.h"
#include "cli.h"
#include "load.h"
#include "students.h"
#include "submission.h"
#include "classreport.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct student {
    struct who who;
    char *root; /* the folder holding its lab folders, or NULL */
    char *own;  /* its folder, or where it was unpacked: shown as its own name */
    struct note_list notes;
    int first_task;
    int left; /* tasks not graded yet */
};

struct progress {
    struct student *st;
    int ns;
    int *owner; /* task -> student */
    int students_done, students_graded;
    double start;
};

static void duration(char *buf, size_t size, double s)
{
    if (s < 60)
        snprintf(buf, size, "%.0f s", s);
    else if (s < 3600)
        snprintf(buf, size, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, size, "%dh%02dm", (int)s / 3600, (int)s / 60 % 60);
}

/* A line per finished student, on a terminal or in a log alike. */
static void student_done(const struct lab_result *results, int task, int done, int total,
                         void *ctx)
{
    (void)results;
    struct progress *p = ctx;
    struct student *s = &p->st[p->owner[task]];
    if (--s->left > 0)
        return;
    p->students_done++;
    double elapsed = (mono_ms() - p->start) / 1000;
    char el[32], eta[32];
    duration(el, sizeof el, elapsed);
    duration(eta, sizeof eta, done ? elapsed / done * (total - done) : 0);
    fprintf(stderr, "[%d/%d] %s graded; elapsed %s, %d lab%s to go, ETA %s\n", p->students_done,
            p->students_graded, s->who.entry, el, total - done, total - done == 1 ? "" : "s",
            done == total ? "0 s" : eta);
    fflush(stderr);
}

static int by_bytes(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static char *trim_slashes(const char *path)
{
    char *t = xstrdup(path);
    while (strlen(t) > 1 && t[strlen(t) - 1] == '/')
        t[strlen(t) - 1] = '\0';
    return t;
}

static bool parse_shard(const char *spec, int *k, int *n)
{
    char extra;
    return spec && sscanf(spec, "%d/%d%c", k, n, &extra) == 2 && *n >= 1 && *k >= 1 && *k <= *n;
}

/* A lab result's JSON for the report, marked when the machine was too
 * loaded to trust it. */
static json_t *lab_json(const struct lab_result *r, bool overloaded)
{
    json_t *j = lab_result_json(r);
    if (overloaded)
        json_object_set_new(j, "overloaded", json_true());
    return j;
}

/* Lost points while the grader was starved of CPU beyond the checks'
 * margins: the score may be the machine's fault. */
static bool untrusted(const struct lab_result *r, double limit)
{
    return r->stall_ms > limit && r->score < r->max_score;
}

static bool same_verdicts(const struct lab_result *a, const struct lab_result *b)
{
    if (a->score != b->score || a->nchecks != b->nchecks)
        return false;
    for (int k = 0; k < a->nchecks; k++)
        if (a->checks[k].status != b->checks[k].status)
            return false;
    return true;
}

/* Grade the labs whose result is untrusted once more and keep the new
 * result. Two runs that agree check by check are the code's doing, not the
 * load's (a starter fails the same way on any machine); a second run that
 * differs and was starved too is marked overloaded, for a person to regrade. */
static void regrade_overloaded(const struct kit *kit, const struct grade_task *tasks,
                               struct lab_result *res, int ntasks, int jobs, bool *overloaded)
{
    double limit = stall_limit_ms();
    int n = 0;
    int *which = xcalloc((size_t)ntasks, sizeof *which);
    for (int i = 0; i < ntasks; i++)
        if (untrusted(&res[i], limit))
            which[n++] = i;
    if (n == 0) {
        free(which);
        return;
    }
    fprintf(stderr,
            "grade: batch: %d lab%s lost points while the grader waited more than %.0f ms for "
            "the CPU (the machine is overloaded): grading %s again\n",
            n, n == 1 ? "" : "s", limit, n == 1 ? "it" : "them");
    struct grade_task *again = xcalloc((size_t)n, sizeof *again);
    for (int k = 0; k < n; k++)
        again[k] = tasks[which[k]];
    struct lab_result *redo = grade_tasks(kit, again, n, jobs, NULL, NULL);
    for (int k = 0; k < n; k++) {
        bool agree = same_verdicts(&res[which[k]], &redo[k]);
        lab_result_free(&res[which[k]]);
        res[which[k]] = redo[k];
        overloaded[which[k]] = !agree && untrusted(&redo[k], limit);
    }
    free(redo);
    free(again);
    free(which);
}

static json_t *student_report(const struct kit *kit, struct student *s,
                              const struct lab_spec **labs, int nlabs, struct lab_result *res,
                              const bool *overloaded)
{
    const struct who *w = &s->who;
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "student", w->name, "submission",
                          w->entry, "id", w->id, "sis_user_id", w->sis_id, "sis_login_id", w->login,
                          "section", w->section, "late", w->late);
    char *warn = note_join(&s->notes, "; ", true);
    char *note = s->notes.error
                     ? xasprintf("%s%s%s", s->notes.error, warn ? "; " : "", warn ? warn : "")
                 : warn ? xstrdup(warn)
                        : NULL;
    if (note)
        json_object_set_new(j, "note", json_text(note));
    free(note);
    free(warn);
    json_t *sn = json_array();
    for (int i = 0; i < s->notes.n; i++)
        json_array_append_new(sn, json_text(s->notes.items[i]));
    json_object_set_new(j, "submission_notes", sn);
    json_t *arr = json_array();
    for (int l = 0; l < nlabs; l++) {
        if (s->root) {
            json_array_append_new(arr,
                                  lab_json(&res[s->first_task + l], overloaded[s->first_task + l]));
        } else { /* nothing to grade: every lab scores 0 and says why */
            struct lab_result none;
            grade_lab_failed(kit, labs[l], &none, s->notes.error);
            json_array_append_new(arr, lab_json(&none, false));
            lab_result_free(&none);
        }
    }
    json_object_set_new(j, "labs", arr);
    return j;
}

int cmd_batch(struct kit *kit, const struct cli *cli)
{
    if (cli->nnames < 1) {
        fputs("grade: batch needs a folder of submissions: grade batch SUBMISSIONS [LAB...]\n",
              stderr);
        return 2;
    }
    int shard_k = 1, shard_n = 1;
    if (cli->shard && !parse_shard(cli->shard, &shard_k, &shard_n)) {
        fprintf(stderr, "grade: batch: --shard %s: give K/N with 1 <= K <= N, like --shard 2/4\n",
                cli->shard);
        return 2;
    }
    struct cli only = *cli; /* the LABs after SUBMISSIONS, or all */
    only.names = cli->names + 1;
    only.nnames = cli->nnames - 1;
    int nlabs;
    const struct lab_spec **labs = select_labs(kit, &only, &nlabs);
    if (!labs)
        return 2;
    const char *subs = cli->names[0];
    if (!is_dir(subs)) {
        fprintf(stderr,
                "grade: batch: %s is not a folder (give the folder that holds one "
                "folder or archive per student)\n",
                subs);
        return 2;
    }
    char *missing = missing_dependencies(kit);
    if (missing) {
        fprintf(stderr, "grade: %s\n", missing);
        return 2;
    }
    struct roster roster;
    if (cli->roster && !roster_load(cli->roster, &roster))
        return 2;
    char *trimmed = trim_slashes(subs);
    char *csv = cli->csv ? xstrdup(cli->csv) : xasprintf("%s-scores.csv", trimmed);
    char *out = cli->out ? xstrdup(cli->out) : xasprintf("%s-reports", trimmed);
    const char *tmp = getenv("TMPDIR");
    char *scratch = xasprintf("%s/proclabs-batch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch) || !mkdir_p(out)) {
        fprintf(stderr, "grade: batch: cannot create %s or %s\n", scratch, out);
        return 2;
    }
    chmod(scratch, 0755);

    /* Every shard lists the same entries in the same (byte) order. */
    struct dirent **list;
    int n = scandir(subs, &list, NULL, by_bytes);
    struct student *st = xcalloc((size_t)(n > 0 ? n : 1), sizeof *st);
    int ns = 0, index = 0;
    for (int i = 0; i < n; i++) {
        const char *entry = list[i]->d_name;
        if (entry[0] != '.' && index++ % shard_n == shard_k - 1) {
            struct student *s = &st[ns];
            who_from_entry(&s->who, entry, cli->roster ? &roster : NULL);
            char *path = xasprintf("%s/%s", subs, entry);
            char *dir = xasprintf("%s/%d", scratch, ns);
            mkdir_p(dir);
            chmod(dir, 0755);
            workspace_from_submission(kit, path, dir, &s->root, &s->notes);
            s->own = realpath(is_dir(path) ? path : dir, NULL);
            free(dir);
            free(path);
            ns++;
        }
        free(list[i]);
    }
    if (n >= 0)
        free(list);
    /* Every archive is unpacked (each by a student user, who had to reach
     * its folder): now the submissions are the grader's alone. Without
     * namespaces student code sees the machine's files, and would read
     * (or, as the same user, rewrite) the submissions graded after it. */
    chmod(scratch, 0700);

    int ntasks = 0;
    for (int s = 0; s < ns; s++)
        if (st[s].root) {
            st[s].first_task = ntasks;
            st[s].left = nlabs;
            ntasks += nlabs;
        }
    struct grade_task *tasks = xcalloc((size_t)ntasks, sizeof *tasks);
    struct progress prog = {.st = st, .ns = ns, .start = mono_ms()};
    prog.owner = xcalloc((size_t)ntasks, sizeof *prog.owner);
    for (int s = 0; s < ns; s++) {
        prog.students_graded += st[s].root != NULL;
        for (int l = 0; st[s].root && l < nlabs; l++) {
            tasks[st[s].first_task + l] = (struct grade_task){labs[l], st[s].root};
            prog.owner[st[s].first_task + l] = s;
        }
    }
    fprintf(stderr, "grading %d submission%s%s (%d lab%s) with %d job%s\n", ns, ns == 1 ? "" : "s",
            cli->shard ? " of this shard" : "", ntasks, ntasks == 1 ? "" : "s", cli->jobs,
            cli->jobs == 1 ? "" : "s");
    struct lab_result *res = grade_tasks(kit, tasks, ntasks, cli->jobs, student_done, &prog);
    bool *overloaded = xcalloc((size_t)ntasks, sizeof *overloaded);
    regrade_overloaded(kit, tasks, res, ntasks, cli->jobs, overloaded);

    int rc = 0;
    for (int s = 0; s < ns; s++) {
        struct student *sd = &st[s];
        if (sd->root && sd->own) { /* its own name, never the scratch folder */
            char *unpacked = xasprintf("%s/unpacked", sd->own);
            results_show_paths(&res[sd->first_task], nlabs, unpacked, sd->who.entry);
            results_show_paths(&res[sd->first_task], nlabs, sd->own, sd->who.entry);
            free(unpacked);
        }
        json_t *j = student_report(kit, sd, labs, nlabs, res, overloaded);
        if (!report_store(&kit->manifest, out, sd->who.stem, j)) {
            fprintf(stderr, "grade: batch: cannot write %s/%s.json\n", out, sd->who.stem);
            rc = 2;
        }
    }
    if (!write_outputs(&kit->manifest, out, csv, cli->canvas))
        rc = 2;
    /* The class report reads what was just written (as `grade report` does). */
    if (cli->html && !class_report_write(kit, out, cli->feedback ? cli->feedback : out, cli->html))
        rc = 2;
    for (int s = 0; s < ns; s++) {
        double total = 0;
        for (int l = 0; st[s].root && l < nlabs; l++)
            total += res[st[s].first_task + l].score;
        char num[32];
        format_points(num, sizeof num, total);
        printf("%-30s %6s  %s\n", st[s].who.entry, num, st[s].notes.error ? st[s].notes.error : "");
    }
    printf("scores: %s\nreports: %s/ (STUDENT.json and STUDENT.md)\n", csv, out);
    if (cli->canvas)
        printf("canvas: %s\n", cli->canvas);

    for (int i = 0; i < ntasks; i++)
        lab_result_free(&res[i]);
    free(res);
    free(overloaded);
    free(tasks);
    free(prog.owner);
    for (int s = 0; s < ns; s++) {
        who_free(&st[s].who);
        free(st[s].root);
        free(st[s].own);
        note_list_free(&st[s].notes);
    }
    free(st);
    if (cli->roster)
        roster_free(&roster);
    remove_tree(scratch);
    free(scratch);
    free(csv);
    free(out);
    free(trimmed);
    free(labs);
    return rc;
}

/* grade merge OUT SHARD-RESULTS...: the shards' reports into OUT, then the
 * same files a batch writes. */
int cmd_merge(struct kit *kit, const struct cli *cli)
{
    if (cli->nnames < 2) {
        fputs("grade: usage: grade merge OUT SHARD-REPORTS... (each the --out folder of a "
              "batch --shard K/N)\n",
              stderr);
        return 2;
    }
    char *out = trim_slashes(cli->names[0]);
    if (!mkdir_p(out)) {
        fprintf(stderr, "grade: merge: cannot create %s\n", out);
        free(out);
        return 2;
    }
    int rc = 0, merged = 0;
    for (int i = 1; i < cli->nnames; i++) {
        struct dirent **list;
        int n = scandir(cli->names[i], &list, NULL, by_bytes);
        if (n < 0) {
            fprintf(stderr, "grade: merge: %s is not a folder of a batch's reports\n",
                    cli->names[i]);
            rc = 2;
        }
        for (int k = 0; k < n; k++) {
            const char *name = list[k]->d_name;
            size_t len = strlen(name);
            if (name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".json")) {
                char *path = xasprintf("%s/%s", cli->names[i], name);
                if (report_merge_file(&kit->manifest, out, path))
                    merged++;
                free(path);
            }
            free(list[k]);
        }
        if (n >= 0)
            free(list);
    }
    char *csv = cli->csv ? xstrdup(cli->csv) : xasprintf("%s-scores.csv", out);
    if (!write_outputs(&kit->manifest, out, csv, cli->canvas))
        rc = 2;
    /* The class report reads what was just written (as `grade report` does). */
    if (cli->html && !class_report_write(kit, out, cli->feedback ? cli->feedback : out, cli->html))
        rc = 2;
    printf("merged %d report%s\nscores: %s\nreports: %s/\n", merged, merged == 1 ? "" : "s", csv,
           out);
    free(csv);
    free(out);
    return rc;
}

/* A GitHub Actions workflow that grades submissions/ in N shards at once
 * and merges them: the matrix is the scheduler. */
int cmd_batch_workflow(struct kit *kit, const struct cli *cli)
{
    (void)kit;
    int n = cli->nnames ? atoi(cli->names[0]) : 4;
    if (n < 1 || n > 256) {
        fputs("grade: usage: grade batch-workflow [SHARDS] [LAB...] (SHARDS from 1 to 256)\n",
              stderr);
        return 2;
    }
    char labs[512] = "";
    for (int i = 1; i < cli->nnames; i++) {
        size_t len = strlen(labs);
        snprintf(labs + len, sizeof labs - len, " %s", cli->names[i]);
    }
    printf("# Generated by `grader/grade batch-workflow %d`: grades submissions/ in %d shards.\n"
           "name: Batch grading\n"
           "on: [workflow_dispatch]\n"
           "permissions:\n"
           "  contents: read\n"
           "jobs:\n"
           "  shard:\n"
           "    runs-on: ubuntu-latest\n"
           "    strategy:\n"
           "      fail-fast: false\n"
           "      matrix:\n"
           "        shard: [",
           n, n);
    for (int k = 1; k <= n; k++)
        printf("%s%d", k > 1 ? ", " : "", k);
    printf("]\n"
           "    steps:\n"
           "      - uses: actions/checkout@v4\n"
           "      - name: Grade shard ${{ matrix.shard }} of %d\n"
           "        run: |\n"
           "          sudo make setup\n"
           "          make kit\n"
           "          sudo grader/grade batch submissions%s --shard ${{ matrix.shard }}/%d "
           "--out shard-${{ matrix.shard }} --csv shard-${{ matrix.shard }}.csv\n"
           "      - uses: actions/upload-artifact@v4\n"
           "        with:\n"
           "          name: shard-${{ matrix.shard }}\n"
           "          path: shard-${{ matrix.shard }}/\n"
           "  merge:\n"
           "    needs: shard\n"
           "    runs-on: ubuntu-latest\n"
           "    steps:\n"
           "      - uses: actions/checkout@v4\n"
           "      - uses: actions/download-artifact@v4\n"
           "        with:\n"
           "          pattern: shard-*\n"
           "          path: shards\n"
           "      - name: Merge the shards\n"
           "        run: |\n"
           "          sudo make setup\n"
           "          make -s grader/grade\n"
           "          grader/grade merge results shards/shard-* --csv scores.csv\n"
           "      - uses: actions/upload-artifact@v4\n"
           "        with:\n"
           "          name: results\n"
           "          path: |\n"
           "            scores.csv\n"
           "            results/\n",
           n, labs, n);
    return 0;
}

int cmd_verdict(struct kit *kit, const struct cli *cli)
{
    if (cli->nnames != 3) {
        fputs("grade: usage: grade verdict REPORT.json LAB CHECK\n", stderr);
        return 2;
    }
    const struct lab_spec *lab = manifest_find(&kit->manifest, cli->names[1]);
    json_t *j = json_load_file(cli->names[0], 0, NULL);
    if (!lab || !j) {
        fprintf(stderr, "grade: verdict: %s\n", !lab ? "no such lab" : "the report is unreadable");
        json_decref(j);
        return 2;
    }
    json_t *labs = json_object_get(j, "labs"), *l, *c;
    size_t i, k;
    json_array_foreach(labs, i, l)
    {
        if (strcmp(json_string_value(json_object_get(l, "id")) ?: "", lab->id))
            continue;
        json_array_foreach(json_object_get(l, "checks"), k, c)
        {
            if (strcmp(json_string_value(json_object_get(c, "name")) ?: "", cli->names[2]))
                continue;
            const char *status = json_string_value(json_object_get(c, "status"));
            const char *msg = json_string_value(json_object_get(c, "message"));
            const char *hint = json_string_value(json_object_get(c, "hint"));
            bool passed = status && !strcmp(status, "passed");
            printf("%s %s: %s\n%s%s%s", lab->id, cli->names[2], status ? status : "?",
                   msg ? msg : "", msg ? "\n" : "", hint ? "hint: " : "");
            if (hint)
                printf("%s\n", hint);
            json_decref(j);
            return passed ? 0 : 1;
        }
    }
    fprintf(stderr, "grade: verdict: the report has no check %s in lab %s\n", cli->names[2],
            lab->id);
    json_decref(j);
    return 2;
}
