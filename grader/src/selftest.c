/*
 * selftest: the kit proves its own checks.
 *   - the solutions score full marks;
 *   - the untouched starters compile and score below full;
 *   - every mutant (grader/checks/NN-slug/mutants/<mistake>/) fails the check
 *     its `expect` file names, with the words it names in the message;
 *   - every check fails for at least one mutant or the starter;
 *   - the lab's clause list (clauses.txt) ties every contract clause to a
 *     check and a mutant, and leaves no check or mutant out.
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
char *mutant_workspace(const struct kit *kit, const struct lab_spec *lab, const char *mutdir,
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

/* A run's limit (the manifest's timeout) is for each runner's whole run:
 * Criterion runs its tests one at a time, so a mistake that makes several
 * checks wait out their bounds adds those bounds up. A run that needs more
 * than HEADROOM of its limit here times out on a busier machine, and the
 * student reads "timed out" instead of the message meant for the mistake. */
#define HEADROOM 0.5

struct headroom {
    double worst; /* the largest share of the limit a run took */
    char who[160];
};

static void note_headroom(struct headroom *h, const char *who, const struct lab_result *r)
{
    static const enum check_kind kinds[] = {KIND_CRITERION, KIND_BATS};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        double ms = 0;
        for (int i = 0; i < r->nchecks; i++)
            if (r->checks[i].kind == kinds[k])
                ms += r->checks[i].ms;
        double share = ms / 1000 / r->lab->timeout;
        if (share > h->worst) {
            h->worst = share;
            snprintf(h->who, sizeof h->who, "%s (its %s checks: %.1f s)", who, kind_name(kinds[k]),
                     ms / 1000);
        }
    }
}

/* An explained_by link with "when" words holds only when the root's message
 * has them: a message reworded since would silently unlink it. Some mutant
 * must show the words in that check's message. */
static void check_causes(const struct lab_spec *lab, const struct mutant *mutants, int nmut,
                         const struct lab_result *res, struct tally *t)
{
    char dir[256];
    lab_dirname(lab, dir, sizeof dir);
    for (int i = 0; i < lab->nchecks; i++)
        for (int k = 0; k < lab->checks[i].ncauses; k++) {
            const struct cause *c = &lab->checks[i].causes[k];
            bool dup = false; /* each (root, words) pair once */
            for (int i2 = 0; i2 <= i && !dup; i2++)
                for (int k2 = 0; k2 < (i2 == i ? k : lab->checks[i2].ncauses) && !dup; k2++) {
                    const struct cause *o = &lab->checks[i2].causes[k2];
                    dup = o->when && c->when && !strcmp(o->check, c->check) &&
                          !strcmp(o->when, c->when);
                }
            if (!c->when || dup)
                continue;
            bool seen = false;
            for (int m = 0; m < nmut && !seen; m++) {
                const struct check_result *r =
                    mutants[m].lab == lab ? find_result(&res[m], c->check) : NULL;
                seen = r && r->status != ST_PASSED && r->message && strstr(r->message, c->when);
            }
            char *what = xasprintf("%s explained_by: some mutant's %s message has \"%s\"", dir,
                                   c->check, c->when);
            verdict(t, seen, what,
                    "no mutant's message of that check has these words: update the manifest's "
                    "\"when\" to the message's words");
            free(what);
        }
}

/* ---- clause lists: grader/checks/NN-slug/clauses.txt --------------------
 * Blocks of "clause: ID", "text: ...", "check: NAME..." and "mutant: NAME..."
 * lines; '#' lines are comments. Each clause needs a check and a mutant
 * whose expect names one of those checks, so every promise is proven. */

struct clause {
    char *id;
    int line;
    bool has_text;
    char *checks[16], *mutants[16];
    int nchecks, nmutants;
};

static void clause_fail(struct tally *t, const char *dir, const char *what, const char *detail)
{
    char *line = xasprintf("%s clauses.txt: %s", dir, what);
    verdict(t, false, line, detail);
    free(line);
}

/* Split the words after "key:" into list (capped at 16). */
static void clause_words(char *rest, char **list, int *n)
{
    for (char *w = strtok(rest, " \t,"); w; w = strtok(NULL, " \t,"))
        if (*n < 16)
            list[(*n)++] = xstrdup(w);
}

static bool in_list(char *const *list, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], name))
            return true;
    return false;
}

/* The check a mutant's expect file names (malloc'd), or NULL. */
static char *expect_check(const char *mutroot, const char *name)
{
    struct mutant mu = {0};
    char *path = xasprintf("%s/%s/expect", mutroot, name);
    bool ok = read_expect(path, &mu);
    free(path);
    for (int i = 0; i < mu.nmessages; i++)
        free(mu.messages[i]);
    return ok ? mu.check : NULL;
}

static int parse_clauses(char *text, const char *dir, struct clause **out, struct tally *t)
{
    struct clause *cl = NULL;
    int n = 0, cap = 0, lineno = 0;
    bool ok = true;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *colon = strchr(s, ':');
        size_t klen = colon ? (size_t)(colon - s) : 0;
        char *rest = colon ? trim(colon + 1) : NULL;
        if (colon && klen == 6 && !strncmp(s, "clause", 6)) {
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                cl = realloc(cl, (size_t)cap * sizeof *cl);
            }
            memset(&cl[n], 0, sizeof cl[n]);
            cl[n].id = xstrdup(*rest ? rest : "(no id)");
            cl[n].line = lineno;
            for (int i = 0; i < n; i++)
                if (!strcmp(cl[i].id, cl[n].id)) {
                    char *what = xasprintf("clause %s (line %d) is listed twice", cl[n].id, lineno);
                    clause_fail(t, dir, what, "give every clause its own id");
                    free(what);
                    ok = false;
                }
            n++;
        } else if (!colon || !n ||
                   !((klen == 4 && !strncmp(s, "text", 4)) ||
                     (klen == 5 && !strncmp(s, "check", 5)) ||
                     (klen == 6 && !strncmp(s, "mutant", 6)))) {
            char *what = xasprintf("line %d is not part of a clause block: %s", lineno, s);
            clause_fail(t, dir, what,
                        "use blocks of 'clause: ID', 'text: ...', 'check: NAME...', "
                        "'mutant: NAME...' lines");
            free(what);
            ok = false;
        } else if (klen == 4) {
            cl[n - 1].has_text = cl[n - 1].has_text || *rest;
        } else if (klen == 5) {
            clause_words(rest, cl[n - 1].checks, &cl[n - 1].nchecks);
        } else {
            clause_words(rest, cl[n - 1].mutants, &cl[n - 1].nmutants);
        }
    }
    *out = cl;
    return ok ? n : -n - 1;
}

static void clauses_free(struct clause *cl, int n)
{
    for (int i = 0; i < n; i++) {
        free(cl[i].id);
        for (int k = 0; k < cl[i].nchecks; k++)
            free(cl[i].checks[k]);
        for (int k = 0; k < cl[i].nmutants; k++)
            free(cl[i].mutants[k]);
    }
    free(cl);
}

static void check_clauses(const struct kit *kit, const struct lab_spec *lab, struct tally *t)
{
    char dir[256];
    lab_dirname(lab, dir, sizeof dir);
    char *path = xasprintf("%s/grader/checks/%s/clauses.txt", kit->root, dir);
    char *mutroot = xasprintf("%s/grader/checks/%s/mutants", kit->root, dir);
    char *text = read_text(path, 1 << 20);
    if (!text) {
        char *what = xasprintf("%s has a clause list", dir);
        char *detail = xasprintf("grader/checks/%s/clauses.txt is missing: list every clause of "
                                 "the contract with its checks and mutants",
                                 dir);
        verdict(t, false, what, detail);
        free(what);
        free(detail);
        free(path);
        free(mutroot);
        return;
    }
    struct clause *cl;
    int n = parse_clauses(text, dir, &cl, t), failed_before = t->failed;
    bool parsed = n >= 0;
    if (!parsed)
        n = -n - 1;
    if (parsed && n == 0)
        clause_fail(t, dir, "lists no clause", "write 'clause: ID' blocks");

    for (int i = 0; i < n; i++) {
        struct clause *c = &cl[i];
        char *what = NULL;
        if (!c->has_text) {
            what = xasprintf("clause %s (line %d) has no text", c->id, c->line);
            clause_fail(t, dir, what, "add 'text: what the contract promises'");
            free(what);
        }
        if (!c->nchecks) {
            what = xasprintf("clause %s (line %d) has no check", c->id, c->line);
            clause_fail(t, dir, what,
                        "add 'check: NAME' naming the check that fails when it "
                        "is broken (add a check if none does)");
            free(what);
        }
        if (!c->nmutants) {
            what = xasprintf("clause %s (line %d) has no mutant", c->id, c->line);
            clause_fail(t, dir, what, "add 'mutant: FOLDER' naming a mutant that breaks it");
            free(what);
        }
        for (int k = 0; k < c->nchecks; k++) {
            bool known = false;
            for (int j = 0; j < lab->nchecks && !known; j++)
                known = !strcmp(lab->checks[j].name, c->checks[k]);
            if (known)
                continue;
            what = xasprintf("clause %s names check %s, which is not a check of lab %s", c->id,
                             c->checks[k], lab->id);
            clause_fail(t, dir, what, "use a check name from the lab's manifest entry");
            free(what);
        }
        for (int k = 0; k < c->nmutants; k++) {
            char *mdir = xasprintf("%s/%s", mutroot, c->mutants[k]);
            if (!strchr(c->mutants[k], '/') && is_dir(mdir)) {
                char *expect = expect_check(mutroot, c->mutants[k]);
                if (expect && !in_list(c->checks, c->nchecks, expect)) {
                    what = xasprintf("clause %s names mutant %s, whose expect check %s is not "
                                     "among the clause's checks",
                                     c->id, c->mutants[k], expect);
                    clause_fail(t, dir, what,
                                "add that check to the clause, or name a mutant that its "
                                "checks catch");
                    free(what);
                }
                free(expect);
            } else {
                what = xasprintf("clause %s names mutant %s, which has no folder mutants/%s", c->id,
                                 c->mutants[k], c->mutants[k]);
                clause_fail(t, dir, what, "name a folder under the lab's mutants/");
                free(what);
            }
            free(mdir);
        }
    }

    /* Nothing left out: every check and every mutant proves some clause. */
    for (int j = 0; j < lab->nchecks; j++) {
        bool used = false;
        for (int i = 0; i < n && !used; i++)
            used = in_list(cl[i].checks, cl[i].nchecks, lab->checks[j].name);
        if (used)
            continue;
        char *what = xasprintf("check %s appears in no clause", lab->checks[j].name);
        clause_fail(t, dir, what, "add it to the 'check:' line of the clause it proves");
        free(what);
    }
    struct dirent **list;
    int k = scandir(mutroot, &list, NULL, alphasort);
    for (int m = 0; m < k; m++) {
        const char *name = list[m]->d_name;
        char *mdir = xasprintf("%s/%s", mutroot, name);
        bool used = name[0] == '.' || !is_dir(mdir);
        for (int i = 0; i < n && !used; i++)
            used = in_list(cl[i].mutants, cl[i].nmutants, name);
        if (!used) {
            char *what = xasprintf("mutant %s appears in no clause", name);
            clause_fail(t, dir, what, "add it to the 'mutant:' line of the clause it breaks");
            free(what);
        }
        free(mdir);
        free(list[m]);
    }
    if (k >= 0)
        free(list);

    if (t->failed == failed_before) {
        char *what = xasprintf("%s clauses.txt: %d clause%s, each with a check and a mutant", dir,
                               n, n == 1 ? "" : "s");
        verdict(t, true, what, NULL);
        free(what);
    }
    clauses_free(cl, n);
    free(text);
    free(path);
    free(mutroot);
}

int cmd_selftest(struct kit *kit, const struct cli *cli)
{
    i18n_english(); /* the mutants' expect files quote English messages */
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
    struct lab_result *res = grade_tasks(kit, tasks, ntasks, cli->jobs, NULL, NULL);

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

        struct headroom room = {0};
        note_headroom(&room, "the solution", sol);
        note_headroom(&room, "the starter", start);
        for (int m = 0; m < nmut; m++)
            if (mutants[m].lab == labs[i]) {
                char who[128];
                snprintf(who, sizeof who, "mutant %s", mutants[m].name);
                note_headroom(&room, who, &res[2 * nlabs + m]);
            }
        what = xasprintf("%s every run takes at most %g%% of its %g s limit (the longest: %.0f%%)",
                         dir, HEADROOM * 100, labs[i]->timeout, room.worst * 100);
        detail = room.worst > HEADROOM
                     ? xasprintf("%s took %.0f%%: on a busier machine it would time out; raise "
                                 "the lab's timeout in the manifest or shorten the waits",
                                 room.who, room.worst * 100)
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
        check_causes(labs[i], mutants, nmut, &res[2 * nlabs], &t);
        check_clauses(kit, labs[i], &t);
    }

    for (int i = 0; i < ntasks; i++)
        lab_result_free(&res[i]);
    free(res);
    remove_tree(tmproot);
    printf("selftest: %d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
