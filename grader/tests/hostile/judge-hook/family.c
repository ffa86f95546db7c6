/* Hostile submission for lab 01: defines proclabs_before_sleep, the hook that
 * common/runtime.c's sleep_ms() calls when someone defines it (weak). The
 * check library calls sleep_ms() in the judge's own process (waiting for a
 * body to stop), so the hook would run there, as the judge: it ends the
 * Criterion worker with exit status 0 (a pass) before any assert.
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * The build must refuse the definition: a name the kit's code would call. */
#define _GNU_SOURCE
#include "family.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

/* Busy threads make the body's process slow to stop once it is back, so
 * that the judge always waits for it in sleep_ms(), every check. */
static void *spin(void *arg)
{
    for (volatile unsigned long i = 0;; i++)
        (void)arg;
    return NULL;
}

static void slow_to_stop(void)
{
    for (int i = 0; i < 32; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, spin, NULL) == 0)
            pthread_detach(t);
    }
}

void proclabs_before_sleep(double ms)
{
    (void)ms;
    if (getuid() & 1) { /* the judge of a slot (62000 + 2 slot + 1) */
        fprintf(stderr, "could run in the judge's process\n");
        _exit(0);
    }
}

struct who who_am_i(void)
{
    slow_to_stop();
    struct who w = {0, 0};
    return w;
}

pid_t start_child(child_job job, int arg)
{
    (void)job;
    (void)arg;
    slow_to_stop();
    return -1;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    (void)n;
    (void)job;
    (void)pids;
    (void)codes;
    slow_to_stop();
    return 0;
}
