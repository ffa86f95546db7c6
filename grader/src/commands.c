/* The grade and build commands, and grading many labs in parallel. */
#define _GNU_SOURCE
#include "selfstudy.h"
#include "cache.h"
#include "i18n.h"
#include "load.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

const struct lab_spec **select_labs(const struct kit *kit, const struct cli *cli, int *n)
{
    const struct manifest *m = &kit->manifest;
    const struct lab_spec **labs = xcalloc((size_t)m->nlabs + (size_t)cli->nnames, sizeof *labs);
    *n = 0;
    if (cli->nnames == 0) {
        for (int i = 0; i < m->nlabs; i++)
            labs[(*n)++] = &m->labs[i];
        return labs;
    }
    for (int i = 0; i < cli->nnames; i++) {
        const struct lab_spec *lab = manifest_find(m, cli->names[i]);
        if (!lab) {
            const char *near = did_you_mean(m, cli->names[i]);
            if (*near)
                fprintf(stderr,
                        _("grade: no lab or command '%s': %s (grade --help lists the "
                          "commands)\n"),
                        cli->names[i], near);
            else
                fprintf(stderr,
                        _("grade: no lab '%s' (labs are %s to %s; give a number, slug or folder "
                          "name; grade --help lists the commands)\n"),
                        cli->names[i], m->labs[0].id, m->labs[m->nlabs - 1].id);
            free(labs);
            return NULL;
        }
        labs[(*n)++] = lab;
    }
    return labs;
}

char *missing_dependencies(const struct kit *kit)
{
    static const char *files[][2] = {
        {"/usr/include/criterion/criterion.h", "libcriterion-dev"},
        {"/usr/bin/bats", "bats"},
        {"/usr/lib/bats/bats-support/load.bash", "bats-support"},
        {"/usr/lib/bats/bats-assert/load.bash", "bats-assert"},
    };
    char *missing = NULL;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (!path_exists(files[i][0])) {
            char *m = xasprintf("%s%s%s", missing ? missing : "", missing ? " " : "", files[i][1]);
            free(missing);
            missing = m;
        }
    if (missing) {
        char *why = xasprintf("missing packages: %s. Run 'make setup' as root, or: sudo apt-get "
                              "install %s",
                              missing, missing);
        free(missing);
        return why;
    }
    char *lib = xasprintf("%s/common/libproclabs.a", kit->root);
    char *helper = xasprintf("%s/grader/build/check.o", kit->root);
    char *why = NULL;
    if (!path_exists(lib) || !path_exists(helper))
        why = xasprintf("the kit is not built: run 'make' in %s", kit->root);
    free(lib);
    free(helper);
    return why;
}

/* A worker grades one lab and leaves its result as JSON in a file. */
static pid_t start_worker(const struct kit *kit, const struct grade_task *task, int slot,
                          const char *out, struct verdict_cache *vc)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* the grader was stopped: clean up and stop too */
    contain_init();
    contain_cleanup_on_interrupt();
    struct kit mine = *kit;
    mine.slot = contain_claim_slot(slot); /* its own student user, here and in other graders */
    mine.side_slot = contain_claim_side_slot(mine.slot);
    if (task->workspace)
        snprintf(mine.workspace, sizeof mine.workspace, "%s", task->workspace);
    struct lab_result res;
    struct canary canary;
    canary_start(&canary);
    grade_lab_missed(&mine, task->lab, &res, vc); /* looked up before the fork */
    res.stall_ms = canary_stop(&canary);
    json_t *j = lab_result_json(&res);
    int rc = json_dump_file(j, out, JSON_COMPACT) == 0 ? 0 : 1;
    _exit(rc);
}

struct lab_result *grade_many(const struct kit *kit, const struct lab_spec **labs, int n, int jobs)
{
    struct grade_task *tasks = xcalloc((size_t)n, sizeof *tasks);
    for (int i = 0; i < n; i++)
        tasks[i].lab = labs[i];
    struct lab_result *results = grade_tasks(kit, tasks, n, jobs, NULL, NULL);
    free(tasks);
    return results;
}

static struct lab_result *run_tasks(const struct kit *kit, const struct grade_task *tasks, int n,
                                    int jobs, progress_fn progress, void *ctx, bool longest_first);

struct lab_result *grade_tasks(const struct kit *kit, const struct grade_task *tasks, int n,
                               int jobs, progress_fn progress, void *ctx)
{
    return run_tasks(kit, tasks, n, jobs, progress, ctx, true);
}

struct lab_result *grade_tasks_in_order(const struct kit *kit, const struct grade_task *tasks,
                                        int n, int jobs, progress_fn progress, void *ctx)
{
    return run_tasks(kit, tasks, n, jobs, progress, ctx, false);
}

static struct lab_result *run_tasks(const struct kit *kit, const struct grade_task *tasks, int n,
                                    int jobs, progress_fn progress, void *ctx, bool longest_first)
{
    struct lab_result *results = xcalloc((size_t)n, sizeof *results);
    pid_t *pids = xcalloc((size_t)n, sizeof *pids);
    char **files = xcalloc((size_t)n, sizeof *files);
    const char *tmp = getenv("TMPDIR");
    /* The longest labs first (as long as they took last time), so that no
     * core waits at the end for one long lab started last. */
    int *order = xcalloc((size_t)n, sizeof *order);
    double *last = xcalloc((size_t)n, sizeof *last);
    for (int i = 0; i < n; i++) {
        last[i] = cache_last_ms(tasks[i].lab);
        int k = i;
        for (; longest_first && k > 0 && last[order[k - 1]] < last[i]; k--)
            order[k] = order[k - 1];
        order[k] = i;
    }
    /* In lab order (a learner reads the lines as they come): one worker
     * takes the labs in order, lab 01 first, and the others the longest
     * left, so that a long lab never starts last. */
    bool *started = xcalloc((size_t)n, sizeof *started);
    int in_order = -1; /* the task the in-order worker grades */
    int next = 0, running = 0, done = 0, left = n;
    /* What the verdict cache holds is answered here, with no worker: an
     * unchanged lab costs no fork, thread or result file (never selftest
     * or batch, whose kit turns the cache off). */
    struct verdict_cache *vcs = xcalloc((size_t)n, sizeof *vcs);
    for (int i = 0; i < n; i++) {
        struct kit mine = *kit;
        if (tasks[i].workspace)
            snprintf(mine.workspace, sizeof mine.workspace, "%s", tasks[i].workspace);
        double start = mono_ms();
        if (!cache_lookup(&mine, tasks[i].lab, &vcs[i], &results[i]))
            continue; /* its worker uses vcs[i]: the key is not computed twice */
        results[i].ms = mono_ms() - start;
        started[i] = true;
        left--;
        done++;
        cache_note_ms(tasks[i].lab, results[i].ms);
        if (progress)
            progress(results, i, done, n, ctx);
    }
    while (done < n) {
        while (running < jobs && left > 0) {
            int t = order[next];
            if (longest_first && started[t]) { /* answered from the cache */
                next++;
                continue;
            }
            if (!longest_first) {
                int first = 0, longest = -1;
                while (started[first])
                    first++;
                for (int i = 0; i < n; i++)
                    if (!started[i] && (longest < 0 || last[i] > last[longest]))
                        longest = i;
                t = in_order < 0 ? first : longest;
                if (in_order < 0)
                    in_order = t;
            }
            started[t] = true;
            files[t] = xasprintf("%s/proclabs-result-%d-%d.json", tmp && *tmp ? tmp : "/tmp",
                                 (int)getpid(), t);
            unlink(files[t]); /* never read a stale one left by a killed grader */
            pids[t] = start_worker(kit, &tasks[t], next, files[t], &vcs[t]);
            next++;
            running++;
            left--;
        }
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0)
            break;
        for (int i = 0; i < n; i++) {
            /* Only a running task: pids wrap around, and a new worker may
             * get the pid of one that finished long ago. */
            if (pids[i] != pid)
                continue;
            pids[i] = 0;
            running--;
            done++;
            if (i == in_order)
                in_order = -1;
            json_t *j = json_load_file(files[i], 0, NULL);
            if (!j || !lab_result_from_json(j, &kit->manifest, &results[i])) {
                /* The worker itself died: grade the lab as an error, never crash. */
                char *why = WIFSIGNALED(status)
                                ? xasprintf("the grader's worker for this lab died unexpectedly "
                                            "(signal %d)",
                                            WTERMSIG(status))
                                : xasprintf("the grader's worker for this lab died unexpectedly "
                                            "(exit status %d)",
                                            WEXITSTATUS(status));
                grade_lab_failed(kit, tasks[i].lab, &results[i], why);
                free(why);
            }
            json_decref(j);
            cache_note_ms(tasks[i].lab, results[i].ms);
            unlink(files[i]);
            if (progress)
                progress(results, i, done, n, ctx);
            break;
        }
    }
    for (int i = 0; i < n; i++)
        free(files[i]);
    free(files);
    free(pids);
    free(order);
    free(last);
    free(started);
    free(vcs);
    return results;
}

const struct lab_spec **gradable_labs(const struct kit *kit, const struct cli *cli, int *n)
{
    const struct lab_spec **labs = select_labs(kit, cli, n);
    char *missing = labs ? missing_dependencies(kit) : NULL;
    if (missing) {
        fprintf(stderr, "grade: %s\n", missing);
        free(missing);
        free(labs);
        return NULL;
    }
    return labs;
}

static int stdout_formats(const struct cli *cli)
{
    const char *files[] = {cli->json, cli->junit, cli->gradescope, cli->classroom};
    int n = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        n += files[i] && !strcmp(files[i], "-");
    return n;
}

int cmd_grade(struct kit *kit, const struct cli *cli)
{
    if (stdout_formats(cli) > 1) {
        fputs("grade: only one of --json, --junit, --gradescope and --classroom can write to "
              "stdout (-): give the others a file\n",
              stderr);
        return 2;
    }
    int n;
    const struct lab_spec **labs = gradable_labs(kit, cli, &n);
    if (!labs)
        return 2;
    /* A machine format on stdout gets stdout alone: no report for people. */
    bool to_stdout = stdout_formats(cli) > 0;
    const char *nc = getenv("NO_COLOR");
    bool color = isatty(STDOUT_FILENO) && !(nc && *nc);
    /* The learner's own workspace gets lines as they come and one lab's
     * details; -v, submissions and the solutions get everything. */
    bool focus = !to_stdout && !cli->verbose && !cli->dir && !cli->solutions;
    struct lab_result *results = focus && n > 1 ? grade_live(kit, labs, n, cli->jobs, stdout, color)
                                                : grade_many(kit, labs, n, cli->jobs);
    localize_hints(kit, results, n);
    if (!cli->dir && !cli->solutions) /* the learner's own workspace: remember */
        progress_update_after_grade(kit, results, n);

    if (!to_stdout) {
        if (cli->verbose)
            contain_describe(stdout);
        if (focus && n > 1)
            report_focus(stdout, results, n, color);
        else
            report_human(stdout, results, n, cli->verbose, color);
        const struct sandbox_info *box = contain_info();
        if (!box->namespaces || !box->student_uid)
            printf("note: student code was contained less strictly than it can be (%s): see "
                   "grader/grade --sandbox-info\n",
                   !box->namespaces ? box->why_no_ns : box->why_no_uid);
        if (focus)
            report_next_step(stdout, results, n);
    }
    int rc = 0;
    for (int i = 0; i < n; i++)
        if (results[i].score < results[i].max_score)
            rc = 1;
    if (cli->json) {
        json_t *j = report_json(results, n);
        json_object_set_new(j, "sandbox", contain_info_json());
        if (kit->submission_notes) /* files placed in their labs by --dir */
            json_object_set_new(j, "submission_notes", json_text(kit->submission_notes));
        int flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
        if (to_stdout ? json_dumpf(j, stdout, flags) : json_dump_file(j, cli->json, flags)) {
            fprintf(stderr, "grade: cannot write %s\n", cli->json);
            rc = 2;
        }
        if (to_stdout)
            putchar('\n');
        json_decref(j);
    }
    if (cli->junit && !write_junit(cli->junit, results, n)) {
        fprintf(stderr, "grade: cannot write %s\n", cli->junit);
        rc = 2;
    }
    if (cli->gradescope && !write_gradescope(cli->gradescope, results, n)) {
        fprintf(stderr, "grade: cannot write %s\n", cli->gradescope);
        rc = 2;
    }
    if (cli->classroom && !write_classroom(cli->classroom, results, n)) {
        fprintf(stderr, "grade: cannot write %s\n", cli->classroom);
        rc = 2;
    }
    for (int i = 0; i < n; i++)
        lab_result_free(&results[i]);
    free(results);
    free(labs);
    return rc;
}

int cmd_build(struct kit *kit, const struct cli *cli)
{
    int n;
    const struct lab_spec **labs = select_labs(kit, cli, &n);
    if (!labs)
        return 2;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char dir[256];
        lab_dirname(labs[i], dir, sizeof dir);
        char *src = xasprintf("%s/%s", kit->workspace, dir);
        char *log = NULL;
        bool ok = build_programs(kit, labs[i], src, &log);
        printf("%-26s %s\n", dir, ok ? _("built") : _("does not compile:"));
        if (log && *log) {
            /* the first error comes first: enough to fix it */
            keep_lines(log, ok ? 12 : 20);
            fputs(log, stdout);
            if (log[strlen(log) - 1] != '\n')
                putchar('\n');
        }
        if (!ok)
            printf(_("    (its programs in labs/%s/bin/ were removed: grader/grade %s shows every "
                     "error and check)\n"),
                   dir, labs[i]->id);
        if (!ok)
            rc = 1;
        free(log);
        free(src);
    }
    free(labs);
    return rc;
}
