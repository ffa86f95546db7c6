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

enum { RUN_OUTPUT_CAP = 8 << 20 };

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

/* CPU seconds used by the processes this one has reaped so far. */
static double children_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
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

static void run_checks(const struct build_env *b, char **argv, enum check_kind kind,
                       struct lab_result *res, const char *subdir)
{
    char *cwd = subdir ? xasprintf("%s/%s", b->dir, subdir) : xstrdup(b->dir);
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
    struct run_spec spec = {.argv = argv,
                            .cwd = cwd,
                            .setenv = env,
                            .timeout = b->lab->timeout,
                            .output_cap = RUN_OUTPUT_CAP,
                            .student = true,
                            .as_judge = true,
                            .slot = b->kit->slot,
                            .keep = b->dir,
                            .kit = b->kit->root};
    struct traced *traced = trace_wrap(b, kind, argv, &spec); /* explain mode only */
    struct run_result r;
    double cpu_before = children_cpu_s();
    contain_run(&spec, &r);
    double cpu_s = children_cpu_s() - cpu_before;

    /* The runner writes its TAP to our pipe: nothing in the build folder,
     * which student code can write, is read back. */
    bool *before = xcalloc((size_t)res->nchecks, sizeof *before);
    for (int i = 0; i < res->nchecks; i++)
        before[i] = res->checks[i].reported;
    tap_parse(r.output, kind, res);
    note_leftovers(res, kind, &r);

    char *trouble = run_trouble(&r, b->lab->timeout, cpu_s);
    char *msg =
        trouble ? xasprintf(_("not finished: the %s checks %s"), kind_name(kind), trouble) : NULL;
    /* A runner killed from inside, flooded or forked to death may have been
     * made to print anything: trust none of its passes. A plain timeout
     * keeps what was reported before it. */
    bool ended_normally = WIFEXITED(r.status) && WEXITSTATUS(r.status) <= 1;
    bool suspect = r.output_overflow || r.too_many_procs || (!r.timed_out && !ended_normally);
    for (int i = 1; i < res->nchecks && suspect; i++) {
        struct check_result *c = &res->checks[i];
        if (!before[i] && c->reported && c->status == ST_PASSED) {
            c->status = ST_ERROR;
            c->message = msg ? xstrdup(msg) : runner_died_message(&r);
        }
    }
    free(before);
    if (msg)
        fail_unreported(res, r.timed_out ? ST_TIMEOUT : ST_FAILED, msg);
    free(msg);
    free(trouble);
    run_result_free(&r);
    trace_unwrap(traced);
    free(checklib);
    free(as_student);
    free(localedir);
    free(cwd);
    for (char **e = env; *e; e++)
        free(*e);
}

/* The kit's own bats runner (grader/checks/lib/batslite.bash), or bats-core
 * itself with PROCLABS_BATS=bats-core: the test that holds the two equal. */
static bool bats_core(void)
{
    const char *which = getenv("PROCLABS_BATS");
    return which && !strcmp(which, "bats-core");
}

static void run_bats_files(const struct build_env *b, struct lab_result *res)
{
    char lab[256];
    lab_dirname(b->lab, lab, sizeof lab);
    char *dir = xasprintf("%s/grader/checks/%s", b->kit->root, lab);
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(list[i]->d_name);
        if (len > 5 && !strcmp(list[i]->d_name + len - 5, ".bats")) {
            char *rel = xasprintf("grader/checks/%s/%s", lab, list[i]->d_name);
            char *file = contain_kit_path(b->kit->root, rel);
            free(rel);
            char *runner = contain_kit_path(b->kit->root, "grader/checks/lib/batslite.bash");
            char *lite[] = {"bash", runner, file, NULL};
            char *core[] = {"bats", "--tap", "--timing", file, NULL};
            run_checks(b, bats_core() ? core : lite, KIND_BATS, res, NULL);
            free(runner);
            free(file);
        }
        free(list[i]);
    }
    if (n >= 0)
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
    init_result(lab, res);
    struct build_env b = {.kit = kit, .lab = lab};
    char *error = NULL;
    bool have_checks = false;

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
                run_checks(&b, argv, KIND_CRITERION, res, "work");
        }
        run_bats_files(&b, res);
        fail_unreported(res, ST_ERROR,
                        _("the check did not run: its test program ended early (did the code "
                          "under test call exit() or kill the test runner?)"));
    }
    trace_collect(&b);
    if (b.dir[0])
        remove_tree(b.dir);
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
