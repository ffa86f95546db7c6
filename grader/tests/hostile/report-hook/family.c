/* Hostile submission for lab 01: a Criterion report hook that marks every test passed, appended to the untouched starter
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * Refused at build (naming the hook's section), or it scores exactly what
 * the untouched starter scores. */
/*
 * family.c - lab 01: fork, getpid, getppid. This is the file you edit.
 * Read README.md first; `make grade LAB=01` checks your work.
 */
#include "family.h"
#include "proclabs.h"

#include <sys/wait.h>
#include <unistd.h>

struct who who_am_i(void)
{
    struct who me = {0, 0};
    /* TODO step 1: fill in me.pid and me.ppid. */
    return me;
}

pid_t start_child(child_job job, int arg)
{
    /* TODO step 2: fork. In the child (fork returned 0), run job(arg) and
     * exit with its result. In the parent, return what fork returned. */
    (void)job;
    (void)arg;
    return -1;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    /* TODO step 3: start all n children first (start_child), then wait for
     * each one with waitpid and store its exit code (WEXITSTATUS). */
    (void)n;
    (void)job;
    (void)pids;
    (void)codes;
    return 0;
}

/* ---- appended: ten lines that turned the starter into 10/12 ---- */
#include <criterion/criterion.h>
#include <criterion/hooks.h>

static void pass(struct criterion_test_stats *t)
{
    t->test_status = CR_STATUS_PASSED;
    t->failed_asserts = 0;
    t->crashed = t->timed_out = false;
    t->signal = t->exit_code = 0;
    for (struct criterion_assert_stats *a = t->asserts; a; a = a->next)
        a->passed = true;
}

ReportHook(POST_TEST)(struct criterion_test_stats *t)
{
    pass(t);
}

ReportHook(POST_ALL)(struct criterion_global_stats *g)
{
    for (struct criterion_suite_stats *s = g->suites; s; s = s->next) {
        for (struct criterion_test_stats *t = s->tests; t; t = t->next)
            pass(t);
        s->tests_passed += s->tests_failed + s->tests_crashed;
        s->tests_failed = s->tests_crashed = s->asserts_failed = 0;
    }
    g->tests_passed += g->tests_failed + g->tests_crashed;
    g->tests_failed = g->tests_crashed = g->asserts_failed = 0;
}
