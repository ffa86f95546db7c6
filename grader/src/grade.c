/*
 * Grading one lab: build in a fresh folder, run the Criterion checks and
 * each bats file contained, match what they report to the manifest, score.
 */
#define _GNU_SOURCE
#include "grader.h"
#include "cache.h"
#include "i18n.h"
#include "explain.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

enum { RUN_OUTPUT_CAP = 8 << 20, MAX_RUNS = 16 };

static void init_result(const struct lab_spec *lab, struct lab_result *res)
{
    memset(res, 0, sizeof *res);
    res->lab = lab;
    res->max_score = lab_max_points(lab);
    res->nchecks = lab->nchecks + 1; /* the build comes first, worth no points itself */
    res->checks = xcalloc((size_t)res->nchecks, sizeof *res->checks);
    res->checks[0] = (struct check_result){.name = "build", .kind = KIND_BUILD};
    for (int i = 0; i < lab->nchecks; i++) {
        struct check_result *c = &res->checks[i + 1];
        c->name = lab->checks[i].name;
        c->max_points = lab->checks[i].points;
        c->hint = lab->checks[i].hint;
        c->kind = KIND_CRITERION; /* until a bats file reports it */
        c->status = ST_ERROR;
    }
}

/* Every check not yet reported gets the same verdict. */
static void fail_unreported(struct lab_result *res, enum check_status st, const char *why)
{
    for (int i = 1; i < res->nchecks; i++)
        if (!res->checks[i].reported && !res->checks[i].message) {
            res->checks[i].status = st;
            res->checks[i].message = xstrdup(why);
        }
}

static char *env_entry(const char *name, const char *value)
{
    return xasprintf("%s=%s", name, value);
}

/* Why a run ended badly, or NULL when it ended by itself. cpu_s is the CPU
 * the run's reaped processes used: much of it means something spun. Little
 * proves nothing (processes killed inside a namespace are not counted). */
static char *run_trouble(const struct run_result *r, double timeout, double cpu_s)
{
    double wall = r->elapsed_ms > 0 ? r->elapsed_ms / 1000 : timeout;
    if (r->timed_out && cpu_s >= 0.3 * wall)
        return xasprintf(_("timed out after %.0f s: its processes used %.1f s of CPU, so "
                           "something was spinning (an endless loop?)"),
                         timeout, cpu_s);
    if (r->timed_out)
        return xasprintf(_("timed out after %.0f s (an endless loop, or a deadlock: a process "
                           "waits for something that never happens)"),
                         timeout);
    if (r->output_overflow)
        return xasprintf(_("output exceeded %d bytes (a loop that prints without end?)"),
                         RUN_OUTPUT_CAP);
    if (r->too_many_procs)
        return xasprintf(_("were killed: more than %d processes at once (fork in a loop?)"),
                         contain_proc_cap());
    return NULL;
}

static char *runner_died_message(const struct run_result *r)
{
    if (WIFSIGNALED(r->status))
        return xasprintf(_("the test runner was killed by signal %d (%s), so its results cannot "
                           "be trusted: does the code under test kill other processes "
                           "(kill(0, ...), kill(-1, ...), kill(getppid(), ...))?"),
                         WTERMSIG(r->status), strsignal(WTERMSIG(r->status)));
    return xasprintf(_("the test runner ended with status %d instead of reporting normally, so "
                       "its results cannot be trusted"),
                     WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1);
}

/* What the run left behind (all of it is gone now): a note for people. */
static void note_leftovers(struct lab_result *res, enum check_kind kind, const struct run_result *r)
{
    char *note = NULL;
    if (r->leftovers > 0)
        note = xasprintf(_("the %s checks left %d process%s running after they ended (killed by "
                           "the grader): a child that was never waited for or stopped?"),
                         kind_name(kind), r->leftovers, r->leftovers == 1 ? "" : "es");
    if (r->left_ipc) {
        char *more = xasprintf(_("%s%sthe %s checks left IPC objects behind (removed by the "
                                 "grader): %s; unlink or remove what you create"),
                               note ? note : "", note ? "\n" : "", kind_name(kind), r->left_ipc);
        free(note);
        note = more;
    }
    if (!note)
        return;
    char *all = xasprintf("%s%s%s", res->notes ? res->notes : "", res->notes ? "\n" : "", note);
    free(res->notes);
    free(note);
    res->notes = all;
}

/* One test runner's run: its spec, what the spec points into, its result. */
struct check_run {
    enum check_kind kind;
    char **argv; /* owned */
    char *cwd, *env[9];
    struct run_spec spec;
    struct run_result r;
    double cpu_s;
};

static void check_run_init(struct check_run *c, const struct build_env *b, char **argv,
                           enum check_kind kind, const char *subdir)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    int n = 0;
    while (argv[n])
        n++;
    c->argv = xcalloc((size_t)n + 1, sizeof *c->argv);
    for (int i = 0; i < n; i++)
        c->argv[i] = xstrdup(argv[i]);
    c->cwd = subdir ? xasprintf("%s/%s", b->dir, subdir) : xstrdup(b->dir);
    char scale[32];
    snprintf(scale, sizeof scale, "%g", b->kit->manifest.time_scale);
    char *checklib = contain_kit_path(b->kit->root, "grader/checks/lib");
    char *as_student = contain_kit_path(b->kit->root, "grader/build/as-student");
    char *localedir = contain_kit_path(b->kit->root, "grader/build/locale");
    char *env[] = {env_entry("PROCLABS_TIME_SCALE", scale), env_entry("CHECKLIB", checklib),
                   env_entry("PROCLABS_AS_STUDENT", as_student), env_entry("LAB_DIR", b->dir),
                   env_entry("BATS_LIB_PATH", "/usr/lib/bats"),
                   /* The student's language, in every box alike: C.UTF-8
                    * exists on every glibc, LANGUAGE picks the catalogue. */
                   env_entry("LANGUAGE", i18n_language()), env_entry("LC_ALL", "C.UTF-8"),
                   env_entry("PROCLABS_LOCALEDIR", localedir), NULL};
    memcpy(c->env, env, sizeof env);
    free(checklib);
    free(as_student);
    free(localedir);
    c->spec = (struct run_spec){.argv = c->argv,
                                .cwd = c->cwd,
                                .setenv = c->env,
                                .timeout = b->lab->timeout,
                                .output_cap = RUN_OUTPUT_CAP,
                                .student = true,
                                .as_judge = true,
                                .slot = b->kit->slot,
                                .keep = b->dir,
                                .kit = b->kit->root};
}

static void check_run_free(struct check_run *c)
{
    for (char **a = c->argv; a && *a; a++)
        free(*a);
    free(c->argv);
    for (char **e = c->env; *e; e++)
        free(*e);
    free(c->cwd);
    run_result_free(&c->r);
}

/* What a run reported, into res. */
static void check_run_apply(const struct build_env *b, struct check_run *c, struct lab_result *res)
{
    struct run_result *r = &c->r;
    enum check_kind kind = c->kind;
    /* The runner writes its TAP to our pipe: nothing in the build folder,
     * which student code can write, is read back. */
    bool *before = xcalloc((size_t)res->nchecks, sizeof *before);
    for (int i = 0; i < res->nchecks; i++)
        before[i] = res->checks[i].reported;
    tap_parse(r->output, kind, res);
    note_leftovers(res, kind, r);

    char *trouble = run_trouble(r, b->lab->timeout, c->cpu_s);
    char *msg =
        trouble ? xasprintf(_("not finished: the %s checks %s"), kind_name(kind), trouble) : NULL;
    /* A runner killed from inside, flooded or forked to death may have been
     * made to print anything: trust none of its passes. A plain timeout
     * keeps what was reported before it. */
    bool ended_normally = WIFEXITED(r->status) && WEXITSTATUS(r->status) <= 1;
    bool suspect = r->output_overflow || r->too_many_procs || (!r->timed_out && !ended_normally);
    for (int i = 1; i < res->nchecks && suspect; i++) {
        struct check_result *chk = &res->checks[i];
        if (!before[i] && chk->reported && chk->status == ST_PASSED) {
            chk->status = ST_ERROR;
            chk->message = msg ? xstrdup(msg) : runner_died_message(r);
        }
    }
    free(before);
    if (msg)
        fail_unreported(res, r->timed_out ? ST_TIMEOUT : ST_FAILED, msg);
    free(msg);
    free(trouble);
}

static void run_here(const struct build_env *b, struct check_run *c)
{
    struct traced *traced = trace_wrap(b, c->kind, c->argv, &c->spec); /* explain mode only */
    double cpu_before = children_cpu_s();
    contain_run(&c->spec, &c->r);
    c->cpu_s = children_cpu_s() - cpu_before;
    trace_unwrap(traced);
}

/* The lab's test runners. The last (a bats file) runs beside the others
 * when each gets a box of its own (two cores: a lab's verdict in about the
 * time of its longest runner), as the second slot's student and judge
 * users, so that neither side's process limit or sweep reaches the other;
 * the others keep the first slot's users, the only ones that may run the
 * check binary. The folder is handed to the judge once, before all. One
 * at a time without namespaces (a run's end sweeps every process of its
 * users) and under `grade explain` (one check, traced). The results are
 * read in the runners' order either way. */
static void run_all_checks(const struct build_env *b, struct check_run *runs, int n,
                           struct lab_result *res)
{
    struct beside *side = NULL;
    struct check_run *last = n > 0 ? &runs[n - 1] : NULL;
    if (n >= 2 && contain_info()->namespaces && !b->kit->trace) {
        contain_hand_over(b->dir, b->kit->slot, true);
        for (int i = 0; i < n; i++)
            runs[i].spec.keep_owners = true;
        last->spec.slot = b->kit->side_slot;
        side = contain_run_beside(&last->spec);
        if (!side) { /* no helper: one at a time, as usual */
            for (int i = 0; i < n; i++)
                runs[i].spec.keep_owners = false;
            last->spec.slot = b->kit->slot;
        }
    }
    for (int i = 0; i < (side ? n - 1 : n); i++)
        run_here(b, &runs[i]);
    if (side)
        contain_beside_wait(side, &last->r, &last->cpu_s);
    for (int i = 0; i < n; i++)
        check_run_apply(b, &runs[i], res);
}

/* The kit's own bats runner (grader/checks/lib/batslite.bash), or bats-core
 * itself with PROCLABS_BATS=bats-core: the test that holds the two equal. */
static bool bats_core(void)
{
    const char *which = getenv("PROCLABS_BATS");
    return which && !strcmp(which, "bats-core");
}

/* A run for each of the lab's bats files, after runs[*n]. */
static void add_bats_runs(const struct build_env *b, struct check_run *runs, int *n, int max)
{
    char lab[256];
    lab_dirname(b->lab, lab, sizeof lab);
    char *dir = xasprintf("%s/grader/checks/%s", b->kit->root, lab);
    struct dirent **list;
    int found = scandir(dir, &list, NULL, alphasort);
    for (int i = 0; i < found; i++) {
        size_t len = strlen(list[i]->d_name);
        if (len > 5 && !strcmp(list[i]->d_name + len - 5, ".bats") && *n < max) {
            char *rel = xasprintf("grader/checks/%s/%s", lab, list[i]->d_name);
            char *file = contain_kit_path(b->kit->root, rel);
            free(rel);
            char *runner = contain_kit_path(b->kit->root, "grader/checks/lib/batslite.bash");
            char *lite[] = {"bash", runner, file, NULL};
            char *core[] = {"bats", "--tap", "--timing", file, NULL};
            check_run_init(&runs[(*n)++], b, bats_core() ? core : lite, KIND_BATS, NULL);
            free(runner);
            free(file);
        }
        free(list[i]);
    }
    if (found >= 0)
        free(list);
    free(dir);
}

void grade_lab(const struct kit *kit, const struct lab_spec *lab, struct lab_result *res)
{
    double start = mono_ms();
    struct verdict_cache vc;
    if (cache_lookup(kit, lab, &vc, res)) {
        res->ms = mono_ms() - start;
        return;
    }
    grade_lab_missed(kit, lab, res, &vc);
    res->ms = mono_ms() - start;
}

void grade_lab_missed(const struct kit *kit, const struct lab_spec *lab, struct lab_result *res,
                      struct verdict_cache *vc_in)
{
    double start = mono_ms();
    struct verdict_cache vc = *vc_in;
    init_result(lab, res);
    struct build_env b = {.kit = kit, .lab = lab};
    char *error = NULL;
    bool have_checks = false;
    struct check_run runs[MAX_RUNS];
    int nruns = 0;

    bool prepared = build_prepare(&b, &error);
    if (prepared)
        cache_copied(lab, b.dir, &vc);
    if (!prepared) {
        res->checks[0].status = ST_FAILED;
        res->checks[0].message = error;
        res->error = xstrdup(error);
        fail_unreported(res, ST_ERROR, error);
    } else if (!build_compile(&b, &res->build_log, &have_checks)) {
        res->checks[0].status = ST_FAILED;
        char *log = xstrdup(res->build_log ? res->build_log : "");
        keep_lines(log, 25);
        res->checks[0].message = xasprintf(_("the code does not compile:\n%s"), log);
        free(log);
        fail_unreported(res, ST_ERROR, _("not run: the build failed (see the build check)"));
    } else {
        res->built = true;
        res->checks[0].status = ST_PASSED;
        res->checks[0].reported = true;
        if (have_checks) {
            /* The unit checks share files with student code by relative
             * paths: they run in work/, where either may replace the other's
             * files, one floor below the binaries, which neither may. */
            char *work = xasprintf("%s/work", b.dir);
            bool made = mkdir(work, 0777) == 0 && chmod(work, 0777) == 0;
            free(work);
            char *argv[] = {"../checks", "-j1", "--tap=-", NULL};
            if (made)
                check_run_init(&runs[nruns++], &b, argv, KIND_CRITERION, "work");
        }
        add_bats_runs(&b, runs, &nruns, MAX_RUNS);
        run_all_checks(&b, runs, nruns, res);
        for (int i = 0; i < nruns; i++)
            check_run_free(&runs[i]);
        fail_unreported(res, ST_ERROR,
                        _("the check did not run: its test program ended early (did the code "
                          "under test call exit() or kill the test runner?)"));
    }
    trace_collect(&b);
    if (b.dir[0])
        contain_remove_scratch(b.dir);
    contain_set_scratch(NULL);

    for (int i = 1; i < res->nchecks; i++) {
        struct check_result *c = &res->checks[i];
        c->points = c->status == ST_PASSED ? c->max_points : 0;
        res->score += c->points;
    }
    explain_causes(res);
    cache_store(kit, lab, &vc, res);
    res->ms = mono_ms() - start;
}

void grade_lab_failed(const struct kit *kit, const struct lab_spec *lab, struct lab_result *res,
                      const char *why)
{
    (void)kit;
    init_result(lab, res);
    res->error = xstrdup(why);
    res->checks[0].status = ST_ERROR;
    res->checks[0].message = xstrdup(why);
    fail_unreported(res, ST_ERROR, why);
}

void lab_result_free(struct lab_result *res)
{
    for (int i = 0; i < res->nchecks; i++) {
        free(res->checks[i].message);
        free(res->checks[i].consequence_of);
        free(res->checks[i].may_also_fix);
    }
    free(res->checks);
    free(res->build_log);
    free(res->error);
    free(res->notes);
    memset(res, 0, sizeof *res);
}
