/*
 * selftest: the kit proves its own checks.
 *   - the solutions score full marks;
 *   - the untouched starters compile and score below full;
 *   - every mutant (grader/checks/NN-slug/mutants/<mistake>/) fails the check
 *     its `expect` file names, with the words it names in the message;
 *   - every check fails for at least one mutant or the starter.
 * Ends with "N passed, N failed".
 */
#define _GNU_SOURCE
#include "cli.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct mutant {
    const struct lab_spec *lab;
    char *name;
    char *check;       /* the check that must fail */
    char *messages[8]; /* words that must appear in its message */
    int nmessages;
    char *workspace; /* solutions with the mutant's files laid over */
};

struct tally {
    int passed, failed;
    bool verbose;
};

static void verdict(struct tally *t, bool ok, const char *what, const char *detail)
{
    if (ok)
        t->passed++;
    else
        t->failed++;
    if (!ok || t->verbose)
        printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok && detail && *detail)
        printf("       %s\n", detail);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Read mutants/<name>/expect: "check: NAME" and "message: WORDS" lines. */
static bool read_expect(const char *path, struct mutant *mu)
{
    char *text = read_text(path, 1 << 16);
    if (!text)
        return false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "check:", 6))
            mu->check = xstrdup(trim(line + 6));
        else if (!strncmp(line, "message:", 8) && mu->nmessages < 8)
            mu->messages[mu->nmessages++] = xstrdup(trim(line + 8));
    }
    free(text);
    return mu->check != NULL;
}

/* A workspace holding the solution of one lab with the mutant's files over it. */
/* Lay one mutated file over the solution's copy: the mutant folder holds
 * either the whole file or FILE.patch, a `diff -u` against the solution
 * (which shows the one mistake at a glance). False when the patch does not
 * apply any more: the solution changed under it. */
static bool lay_over(const char *mutdir, const char *file, const char *to)
{
    char *whole = xasprintf("%s/%s", mutdir, file);
    char *patch = xasprintf("%s/%s.patch", mutdir, file);
    bool ok = true;
    if (path_exists(whole)) {
        ok = copy_file(whole, to);
    } else if (path_exists(patch)) {
        char *argv[] = {"patch",           "--quiet",  "--force", "--no-backup-if-mismatch",
                        "--reject-file=-", (char *)to, patch,     NULL};
        struct run_spec spec = {.argv = argv, .timeout = 30, .output_cap = 64 * 1024};
        struct run_result r;
        contain_run(&spec, &r);
        ok = !r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
        run_result_free(&r);
    }
    free(whole);
    free(patch);
    return ok;
}

/* A workspace holding the solution of one lab with the mutant laid over it. */
static char *mutant_workspace(const struct kit *kit, const struct lab_spec *lab, const char *mutdir,
                              const char *tmproot, int index, bool *applies)
{
    char dir[256];
    lab_dirname(lab, dir, sizeof dir);
    char *ws = xasprintf("%s/m%d", tmproot, index);
    char *labdir = xasprintf("%s/%s", ws, dir);
    mkdir_p(labdir);
    *applies = true;
    for (const char **f = lab->edit; *f; f++) {
        char *from = xasprintf("%s/solutions/%s/%s", kit->root, dir, *f);
        char *to = xasprintf("%s/%s", labdir, *f);
        *applies = copy_file(from, to) && lay_over(mutdir, *f, to) && *applies;
        free(from);
        free(to);
    }
    free(labdir);
    return ws;
}

static int load_mutants(const struct kit *kit, const struct lab_spec *lab, const char *tmproot,
                        struct mutant **all, int *n, int *cap, struct tally *t)
{
    char dir[256];
    lab_dirname(lab, dir, sizeof dir);
    char *root = xasprintf("%s/grader/checks/%s/mutants", kit->root, dir);
    struct dirent **list;
    int k = scandir(root, &list, NULL, alphasort), count = 0;
    for (int i = 0; i < k; i++) {
        if (list[i]->d_name[0] != '.') {
            char *mutdir = xasprintf("%s/%s", root, list[i]->d_name);
            char *expect = xasprintf("%s/expect", mutdir);
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *all = realloc(*all, (size_t)*cap * sizeof **all);
            }
            struct mutant *mu = &(*all)[*n];
            memset(mu, 0, sizeof *mu);
            mu->lab = lab;
            mu->name = xstrdup(list[i]->d_name);
            char *what =
                xasprintf("%s mutant %s has an expect file naming its check", dir, mu->name);
            bool ok = read_expect(expect, mu), applies = false;
            if (ok)
                mu->workspace = mutant_workspace(kit, lab, mutdir, tmproot, *n, &applies);
            if (!ok) {
                verdict(t, false, what, "write 'check: NAME' and 'message: WORDS' lines");
            } else if (!applies) {
                free(what);
                what = xasprintf("%s mutant %s applies to the solution", dir, mu->name);
                verdict(t, false, what, "its .patch no longer applies: remake it with diff -u");
            } else {
                (*n)++;
                count++;
            }
            free(what);
            free(expect);
            free(mutdir);
        }
        free(list[i]);
    }
    if (k >= 0)
        free(list);
    free(root);
    return count;
}

static const struct check_result *find_result(const struct lab_result *r, const char *name)
{
    for (int i = 0; i < r->nchecks; i++)
        if (!strcmp(r->checks[i].name, name))
            return &r->checks[i];
    return NULL;
}

static void judge_mutant(const struct mutant *mu, const struct lab_result *r, struct tally *t,
                         bool *caught)
{
    char dir[256];
    lab_dirname(mu->lab, dir, sizeof dir);
    char *what = xasprintf("%s mutant %s is caught by %s", dir, mu->name, mu->check);
    const struct check_result *c = find_result(r, mu->check);
    char *detail = NULL;
    if (!c) {
        detail = xasprintf("the manifest has no check %s", mu->check);
    } else if (c->status == ST_PASSED) {
        detail = xstrdup("the check passed: it cannot see this mistake");
    } else {
        for (int i = 0; i < mu->nmessages && !detail; i++)
            if (!c->message || !strstr(c->message, mu->messages[i]))
                detail = xasprintf("its message lacks \"%s\"; it said: %s", mu->messages[i],
                                   c->message ? c->message : "(nothing)");
    }
    verdict(t, !detail, what, detail);
    for (int i = 0; i < r->nchecks; i++)
        if (r->checks[i].status != ST_PASSED)
            caught[i] = true;
    free(detail);
    free(what);
}

int cmd_selftest(struct kit *kit, const struct cli *cli)
{
    int nlabs;
    const struct lab_spec **labs = gradable_labs(kit, cli, &nlabs);
    if (!labs)
        return 2;
    struct tally t = {.verbose = cli->verbose};
    const char *tmp = getenv("TMPDIR");
    char *tmproot = xasprintf("%s/proclabs-selftest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmproot)) {
        fprintf(stderr, "grade: cannot create a scratch folder under %s\n", tmp ? tmp : "/tmp");
        return 2;
    }

    /* Tasks: per lab the solution and the starter, then every mutant. */
    struct mutant *mutants = NULL;
    int nmut = 0, capmut = 0;
    for (int i = 0; i < nlabs; i++)
        load_mutants(kit, labs[i], tmproot, &mutants, &nmut, &capmut, &t);
    int ntasks = 2 * nlabs + nmut;
    struct grade_task *tasks = xcalloc((size_t)ntasks, sizeof *tasks);
    char *solutions = xasprintf("%s/solutions", kit->root);
    char *starters = xasprintf("%s/labs", kit->root);
    for (int i = 0; i < nlabs; i++) {
        tasks[2 * i] = (struct grade_task){labs[i], solutions};
        tasks[2 * i + 1] = (struct grade_task){labs[i], starters};
    }
    for (int i = 0; i < nmut; i++)
        tasks[2 * nlabs + i] = (struct grade_task){mutants[i].lab, mutants[i].workspace};
    struct lab_result *res = grade_tasks(kit, tasks, ntasks, cli->jobs, NULL);

    for (int i = 0; i < nlabs; i++) {
        char dir[256];
        lab_dirname(labs[i], dir, sizeof dir);
        const struct lab_result *sol = &res[2 * i], *start = &res[2 * i + 1];

        char *what = xasprintf("%s solution scores full marks", dir);
        char *detail = NULL;
        for (int k = 0; k < sol->nchecks && !detail; k++)
            if (sol->checks[k].status != ST_PASSED)
                detail =
                    xasprintf("%s %s: %s", sol->checks[k].name, status_name(sol->checks[k].status),
                              sol->checks[k].message ? sol->checks[k].message : "");
        verdict(&t, sol->score == sol->max_score && !detail, what, detail);
        free(what);
        free(detail);

        what = xasprintf("%s starter compiles and scores below full", dir);
        detail = !start->built ? xasprintf("it does not build: %s", start->checks[0].message)
                 : start->score >= start->max_score ? xstrdup("it scores full marks untouched")
                                                    : NULL;
        verdict(&t, !detail, what, detail);
        free(what);
        free(detail);

        /* Every check must be failed by the starter or by some mutant. */
        bool *caught = xcalloc((size_t)start->nchecks, sizeof *caught);
        for (int k = 0; k < start->nchecks; k++)
            caught[k] = start->checks[k].status != ST_PASSED;
        int lab_mutants = 0;
        for (int m = 0; m < nmut; m++)
            if (mutants[m].lab == labs[i]) {
                judge_mutant(&mutants[m], &res[2 * nlabs + m], &t, caught);
                lab_mutants++;
            }
        what = xasprintf("%s has at least three mutants", dir);
        verdict(&t, lab_mutants >= 3, what, "add mutants/<mistake>/ folders");
        free(what);
        for (int k = 1; k < start->nchecks; k++) {
            if (caught[k])
                continue;
            what = xasprintf("%s check %s can fail", dir, start->checks[k].name);
            verdict(&t, false, what, "neither the starter nor any mutant fails it: add a mutant");
            free(what);
        }
        free(caught);
    }

    for (int i = 0; i < ntasks; i++)
        lab_result_free(&res[i]);
    free(res);
    remove_tree(tmproot);
    printf("selftest: %d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
