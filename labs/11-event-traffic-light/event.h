/*
 * event.h - lab 11: an Event shared between processes. (Given: do not edit.)
 *
 * Python: multiprocessing.Event(): set(), clear(), is_set(), wait(timeout).
 *
 * An event is a flag that processes can wait for. It lives in memory shared
 * by every process that uses it (shared_alloc() before fork), and it is made
 * of a mutex that guards the flag and a condition variable that waiters
 * sleep on. Both must be PTHREAD_PROCESS_SHARED, or a process sleeping on
 * the condition is never woken by another process.
 */
#ifndef EVENT_H
#define EVENT_H

#include <pthread.h>
#include <stdbool.h>

struct event {
    pthread_mutex_t mutex; /* guards flag; process-shared */
    pthread_cond_t cond;   /* waiters sleep here until flag is set; process-shared */
    bool flag;             /* set or clear: read and written only under mutex */
};

/* Initialise e (in shared memory) with the flag clear: a process-shared
 * mutex and a process-shared condition variable that measures timeouts on
 * CLOCK_MONOTONIC. Returns 0, or -1 if an attribute could not be set. */
int event_init(struct event *e);

/* Release what event_init made. Only when no process uses e any more. */
void event_destroy(struct event *e);

/* Set the flag and wake EVERY process waiting in event_wait(). */
void event_set(struct event *e);

/* Clear the flag: later waiters block until the next event_set(). */
void event_clear(struct event *e);

/* Is the flag set now? */
bool event_is_set(struct event *e);

/* Block until the flag is set or timeout_ms milliseconds have passed
 * (timeout_ms < 0: no time limit; 0: do not block). Returns whether the
 * flag is set when it returns: true when it was set, false on timeout.
 * A wake-up without the flag set (spurious, or a set that was cleared again
 * before this waiter ran) must not end the wait early. It sleeps while it
 * waits: no spinning. */
bool event_wait(struct event *e, double timeout_ms);

#endif
