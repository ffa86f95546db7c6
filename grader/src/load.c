/*
 * The grader's own measure of an overloaded machine. Load average counts
 * waiting processes, not whether ours waited; a sleeper that wakes late by
 * more than the checks' timing margins is the thing that makes a timing
 * check fail on a correct solution. See docs/instructors.md.
 */
#define _GNU_SOURCE
#include "load.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>

/* Wake every 10 ms: often enough to see a stall of tens of ms, cheap (the
 * thread runs some microseconds 100 times a second). A stall of 100 ms is
 * the order of the kit's tightest timing margins (a 200 ms timeout, a
 * 100 ms probe): one that long can flip a timing check; shorter ones,
 * which a busy machine has all the time, cannot. */
enum { TICK_MS = 10, STALL_MS = 100 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Only clock calls and stores: no lock is ever held, so a fork() by the
 * grading thread cannot inherit one. */
static void *watch(void *arg)
{
    struct canary *c = arg;
    while (!__atomic_load_n(&c->stop, __ATOMIC_SEQ_CST)) {
        double before = now_ms();
        struct timespec tick = {0, TICK_MS * 1000000L};
        nanosleep(&tick, NULL);
        double late = now_ms() - before - TICK_MS;
        if (late > c->max_late_ms)
            c->max_late_ms = late;
    }
    return NULL;
}

void canary_start(struct canary *c)
{
    c->stop = 0;
    c->max_late_ms = 0;
    /* Every signal stays with the grading thread, which handles them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    c->running = pthread_create(&c->thread, NULL, watch, c) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

double canary_stop(struct canary *c)
{
    __atomic_store_n(&c->stop, 1, __ATOMIC_SEQ_CST);
    /* Not its next tick (up to 10 ms on every lab graded): nanosleep is a
     * cancellation point, and the thread holds nothing to release. */
    if (c->running && pthread_cancel(c->thread) == 0)
        pthread_join(c->thread, NULL);
    c->running = false;
    return c->max_late_ms;
}

double stall_limit_ms(void)
{
    const char *env = getenv("PROCLABS_STALL_MS");
    double ms = env && *env ? atof(env) : 0;
    return ms > 0 ? ms : STALL_MS;
}
