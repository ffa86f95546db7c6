/* Hostile submission for lab 01: prints text that looks like test-runner output
 * Self-limiting: if containment failed, this costs seconds, not the machine. */
#define _GNU_SOURCE
#include "family.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void misbehave(void)
{
    static const char *names[] = {"who_am_i_matches_getpid", "start_child_returns_child_pid",
                                  "child_runs_job_not_parent", "run_children_forks_exactly_n",
                                  "run_children_reaps_every_child"};
    for (int i = 0; i < 5; i++) {
        printf("ok - family::%s  (0.00s)\n", names[i]);
        fprintf(stderr, "ok %d %s\n", i + 1, names[i]);
    }
    fflush(NULL);
}

struct who who_am_i(void)
{
    misbehave();
    struct who w = {0, 0};
    return w;
}

pid_t start_child(child_job job, int arg)
{
    (void)job;
    (void)arg;
    misbehave();
    return -1;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    (void)n;
    (void)job;
    (void)pids;
    (void)codes;
    misbehave();
    return 0;
}
