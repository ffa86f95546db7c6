/* load.h - how starved of CPU the grader was while it graded a lab. */
#ifndef LOAD_H
#define LOAD_H

#include <pthread.h>
#include <stdbool.h>

/* A thread that asks to wake every TICK ms and records how late it woke.
 * Timing checks assume a process gets the CPU soon after it can run; the
 * longest lateness seen while a lab was graded says how far that held
 * (it runs at the grader's priority, as the checks do). */
struct canary {
    pthread_t thread;
    bool running;
    int stop;           /* atomic */
    double max_late_ms; /* the longest a wake-up came late */
};

void canary_start(struct canary *c);
/* Stop it; the longest lateness seen, in ms (0 when it could not run). */
double canary_stop(struct canary *c);

/* The lateness past which a lab's timing checks are not trusted: STALL_MS
 * (PROCLABS_STALL_MS overrides it). */
double stall_limit_ms(void);

#endif
