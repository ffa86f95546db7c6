/* Hostile submission for lab 01: prints the whole environment from every
 * function, in the checks' bodies and in the program bats runs, so that the
 * grader's environment (a token, a key, a path of the person or service
 * grading) is quoted back in this submission's own report.
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * A contained run sees only the search path, the language, the terminal,
 * TMPDIR and what the kit sets: hostile.bats' own variables (OTHERCOPY_MARK,
 * SUBROOT, KIT) never reach the report. */
#define _GNU_SOURCE
#include "family.h"

#include <stdio.h>
#include <unistd.h>

extern char **environ;

static void tell(void)
{
    for (char **e = environ; *e; e++) {
        printf("env: %s\n", *e);
        fprintf(stderr, "env: %s\n", *e);
    }
    fflush(NULL);
}

struct who who_am_i(void)
{
    tell();
    struct who w = {0, 0};
    return w;
}

pid_t start_child(child_job job, int arg)
{
    (void)job;
    (void)arg;
    tell();
    return -1;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    (void)n;
    (void)job;
    (void)pids;
    (void)codes;
    tell();
    return 0;
}
