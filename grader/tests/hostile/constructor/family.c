/* Hostile submission for lab 01: a constructor that prints fake passing results and ends the
 * process before any test Self-limiting: if containment failed, this costs seconds, not the
 * machine. */
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

__attribute__((constructor)) static void forge(void)
{
    printf("TAP version 13\n1..5\n");
    printf("ok - family::who_am_i_matches_getpid  (0.00s)\n");
    printf("ok - family::start_child_returns_child_pid  (0.00s)\n");
    printf("ok - family::child_runs_job_not_parent  (0.00s)\n");
    printf("ok - family::run_children_forks_exactly_n  (0.00s)\n");
    printf("ok - family::run_children_reaps_every_child  (0.00s)\n");
    fflush(stdout);
    _exit(0);
}

static void misbehave(void)
{
    (void)0;
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
