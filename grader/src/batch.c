/*
 * Instructors' commands: grade a folder of submissions (batch), read one
 * check's verdict from a report (verdict), and find the lab folders inside
 * whatever a student handed in.
 */
#define _GNU_SOURCE
#include "classreport.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { EXTRACT_TIMEOUT = 60, UNPACKED_CAP_MB = 200 };

static bool holds_labs(const struct manifest *m, const char *dir)
{
    for (int i = 0; i < m->nlabs; i++) {
        char name[64];
        lab_dirname(&m->labs[i], name, sizeof name);
        char *p = xasprintf("%s/%s", dir, name);
        bool yes = is_dir(p);
        free(p);
        if (yes)
            return true;
    }
    return false;
}

/* dir, or dir/labs, when it holds lab folders. */
static char *labs_here(const struct manifest *m, const char *dir)
{
    if (holds_labs(m, dir))
        return realpath(dir, NULL);
    char *labs = xasprintf("%s/labs", dir);
    char *found = holds_labs(m, labs) ? realpath(labs, NULL) : NULL;
    free(labs);
    return found;
}

char *find_lab_root(const struct manifest *m, const char *dir)
{
    char *found = labs_here(m, dir);
    if (found)
        return found;
    /* One wrapping folder, as archives often have ("alice/labs/..."). */
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (!found && name[0] != '.' && strncmp(name, "__", 2)) { /* not __MACOSX */
            char *sub = xasprintf("%s/%s", dir, name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                found = labs_here(m, sub);
            free(sub);
        }
        free(list[i]);
    }
    if (n >= 0)
        free(list);
    return found;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* The student's name: the entry without its archive ending, safe as a file name. */
static char *student_name(const char *entry)
{
    static const char *endings[] = {".tar.gz", ".tgz", ".tar", ".zip"};
    char *name = xstrdup(entry);
    for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++)
        if (ends_with(name, endings[i])) {
            name[strlen(name) - strlen(endings[i])] = '\0';
            break;
        }
    for (char *p = name; *p; p++)
        if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
              (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            *p = '_';
    return name;
}

static long tree_kb(const char *path)
{
    char *cmd[] = {"du", "-sk", (char *)path, NULL};
    struct run_spec spec = {.argv = cmd, .timeout = 30, .output_cap = 4096};
    struct run_result r;
    contain_run(&spec, &r);
    long kb = atol(r.output);
    run_result_free(&r);
    return kb;
}

/* Unpack an archive into dir, contained like student code: a crafted
 * archive can write nowhere else and cannot run long or fill the disk. */
static bool unpack(const struct kit *kit, const char *archive, const char *dir, int slot,
                   char **why)
{
    const char *base = strrchr(archive, '/') ? strrchr(archive, '/') + 1 : archive;
    char *copy = xasprintf("%s/.archive-%s", dir, base);
    if (!copy_file(archive, copy)) {
        *why = xstrdup("archive unreadable");
        free(copy);
        return false;
    }
    char *tar[] = {"tar", "-xf",       copy, "--no-same-owner", "--no-same-permissions",
                   "-C",  (char *)dir, NULL};
    char *zip[] = {"unzip", "-q", "-o", copy, "-d", (char *)dir, NULL};
    struct run_spec spec = {.argv = ends_with(archive, ".zip") ? zip : tar,
                            .cwd = dir,
                            .timeout = EXTRACT_TIMEOUT,
                            .output_cap = 64 * 1024,
                            .student = true,
                            .as_student = true,
                            .slot = slot,
                            .keep = dir,
                            .kit = kit->root};
    struct run_result r;
    contain_run(&spec, &r);
    bool ok = !r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
    run_result_free(&r);
    unlink(copy);
    free(copy);
    if (!ok)
        *why = xstrdup("archive unreadable");
    else if (tree_kb(dir) > UNPACKED_CAP_MB * 1024) {
        *why = xasprintf("archive unpacks to more than %d MB", UNPACKED_CAP_MB);
        ok = false;
    }
    return ok;
}

struct student {
    char *name;
    char *root; /* the folder holding its lab folders, or NULL */
    char *note; /* why it could not be graded, or NULL */
    int first_task;
};

static void progress_bar(int done, int total)
{
    if (!isatty(STDERR_FILENO))
        return;
    enum { WIDTH = 30 };
    int full = total ? done * WIDTH / total : WIDTH;
    fputs("\r[", stderr);
    for (int i = 0; i < WIDTH; i++)
        fputc(i < full ? '#' : '.', stderr);
    fprintf(stderr, "] %d/%d labs graded", done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static bool write_csv(const char *path, const struct lab_spec **labs, int nlabs, struct student *st,
                      int ns, const struct lab_result *res)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fputs("student", f);
    int max = 0;
    for (int l = 0; l < nlabs; l++) {
        fprintf(f, ",%s", labs[l]->id);
        max += lab_max_points(labs[l]);
    }
    fputs(",total,max,note\n", f);
    for (int s = 0; s < ns; s++) {
        csv_field(f, st[s].name);
        int total = 0;
        for (int l = 0; l < nlabs; l++) {
            int score = st[s].root ? res[st[s].first_task + l].score : 0;
            total += score;
            fprintf(f, ",%d", score);
        }
        fprintf(f, ",%d,%d,", total, max);
        csv_field(f, st[s].note ? st[s].note : "");
        fputc('\n', f);
    }
    return fclose(f) == 0;
}

static void write_reports(const char *dir, struct student *st, int ns, int nlabs,
                          const struct lab_result *res)
{
    for (int s = 0; s < ns; s++) {
        json_t *j = st[s].root ? report_json(&res[st[s].first_task], nlabs)
                               : json_pack("{s:i, s:i, s:[]}", "score", 0, "max_score", 0, "labs");
        json_object_set_new(j, "student", json_string(st[s].name));
        if (st[s].note)
            json_object_set_new(j, "note", json_string(st[s].note));
        char *path = xasprintf("%s/%s.json", dir, st[s].name);
        json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        free(path);
        json_decref(j);
    }
}

int cmd_batch(struct kit *kit, const struct cli *cli)
{
    if (cli->nnames < 1) {
        fputs("grade: batch needs a folder of submissions: grade batch SUBMISSIONS [LAB...]\n",
              stderr);
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
    char *trimmed = xstrdup(subs);
    while (strlen(trimmed) > 1 && trimmed[strlen(trimmed) - 1] == '/')
        trimmed[strlen(trimmed) - 1] = '\0';
    char *csv = cli->csv ? xstrdup(cli->csv) : xasprintf("%s-scores.csv", trimmed);
    char *out = cli->out ? xstrdup(cli->out) : xasprintf("%s-reports", trimmed);
    const char *tmp = getenv("TMPDIR");
    char *scratch = xasprintf("%s/proclabs-batch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch) || !mkdir_p(out)) {
        fprintf(stderr, "grade: batch: cannot create %s or %s\n", scratch, out);
        return 2;
    }
    chmod(scratch, 0755);

    struct dirent **list;
    int n = scandir(subs, &list, NULL, alphasort);
    struct student *st = xcalloc((size_t)(n > 0 ? n : 1), sizeof *st);
    int ns = 0;
    for (int i = 0; i < n; i++) {
        const char *entry = list[i]->d_name;
        if (entry[0] != '.') {
            struct student *s = &st[ns];
            s->name = student_name(entry);
            char *path = xasprintf("%s/%s", subs, entry);
            struct stat sb;
            if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
                s->root = find_lab_root(&kit->manifest, path);
            } else if (ends_with(entry, ".tar.gz") || ends_with(entry, ".tgz") ||
                       ends_with(entry, ".tar") || ends_with(entry, ".zip")) {
                char *dir = xasprintf("%s/%d", scratch, ns);
                mkdir_p(dir);
                if (unpack(kit, path, dir, kit->slot, &s->note))
                    s->root = find_lab_root(&kit->manifest, dir);
                free(dir);
            } else {
                s->note = xstrdup("not a folder or a .tar.gz, .tgz, .tar or .zip archive");
            }
            if (!s->root && !s->note)
                s->note = xstrdup("no lab folders found");
            free(path);
            ns++;
        }
        free(list[i]);
    }
    if (n >= 0)
        free(list);

    int ntasks = 0;
    for (int s = 0; s < ns; s++)
        if (st[s].root) {
            st[s].first_task = ntasks;
            ntasks += nlabs;
        }
    struct grade_task *tasks = xcalloc((size_t)ntasks, sizeof *tasks);
    for (int s = 0; s < ns; s++)
        for (int l = 0; st[s].root && l < nlabs; l++)
            tasks[st[s].first_task + l] = (struct grade_task){labs[l], st[s].root};
    fprintf(stderr, "grading %d submission%s (%d lab%s) with %d job%s\n", ns, ns == 1 ? "" : "s",
            ntasks, ntasks == 1 ? "" : "s", cli->jobs, cli->jobs == 1 ? "" : "s");
    struct lab_result *res = grade_tasks(kit, tasks, ntasks, cli->jobs, progress_bar);

    int rc = 0;
    if (!write_csv(csv, labs, nlabs, st, ns, res)) {
        fprintf(stderr, "grade: batch: cannot write %s\n", csv);
        rc = 2;
    }
    write_reports(out, st, ns, nlabs, res);
    /* The class report reads what was just written (as `grade report` does). */
    if (cli->html && !class_report_write(kit, out, cli->feedback ? cli->feedback : out, cli->html))
        rc = 2;
    for (int s = 0; s < ns; s++) {
        int total = 0;
        for (int l = 0; st[s].root && l < nlabs; l++)
            total += res[st[s].first_task + l].score;
        printf("%-30s %4d  %s\n", st[s].name, total, st[s].note ? st[s].note : "");
    }
    printf("scores: %s\nreports: %s/\n", csv, out);

    for (int i = 0; i < ntasks; i++)
        lab_result_free(&res[i]);
    free(res);
    free(tasks);
    for (int s = 0; s < ns; s++) {
        free(st[s].name);
        free(st[s].root);
        free(st[s].note);
    }
    free(st);
    remove_tree(scratch);
    free(scratch);
    free(csv);
    free(out);
    free(trimmed);
    free(labs);
    return rc;
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
