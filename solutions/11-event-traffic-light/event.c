/* event.c - lab 11, reference solution: an Event over a process-shared
 * mutex and condition variable. */
#include "event.h"
#include "proclabs.h"

#include <errno.h>
#include <time.h>

int event_init(struct event *e)
{
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_mutexattr_init(&ma);
    pthread_condattr_init(&ca);
    /* Without PROCESS_SHARED a wake-up never reaches another process. */
    int bad = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) ||
              pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED) ||
              pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) ||
              pthread_mutex_init(&e->mutex, &ma) || pthread_cond_init(&e->cond, &ca);
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_destroy(&ca);
    e->flag = false;
    return bad ? -1 : 0;
}

void event_destroy(struct event *e)
{
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->mutex);
}

void event_set(struct event *e)
{
    pthread_mutex_lock(&e->mutex);
    e->flag = true;
    pthread_cond_broadcast(&e->cond); /* every waiter, not just one */
    pthread_mutex_unlock(&e->mutex);
}

void event_clear(struct event *e)
{
    pthread_mutex_lock(&e->mutex);
    e->flag = false;
    pthread_mutex_unlock(&e->mutex);
}

bool event_is_set(struct event *e)
{
    pthread_mutex_lock(&e->mutex);
    bool set = e->flag;
    pthread_mutex_unlock(&e->mutex);
    return set;
}

bool event_wait(struct event *e, double timeout_ms)
{
    /* The deadline is absolute and computed once, so wake-ups that find the
     * flag still clear neither end the wait early nor make it longer. */
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (timeout_ms > 0) {
        if (timeout_ms > 1e12)
            timeout_ms = 1e12; /* 31 years, as good as for ever: in ns it still fits a long long */
        long long ns = deadline.tv_nsec + (long long)(timeout_ms * 1e6);
        deadline.tv_sec += ns / 1000000000;
        deadline.tv_nsec = ns % 1000000000;
    }
    pthread_mutex_lock(&e->mutex);
    while (!e->flag && timeout_ms != 0) {
        if (timeout_ms < 0)
            pthread_cond_wait(&e->cond, &e->mutex);
        else if (pthread_cond_timedwait(&e->cond, &e->mutex, &deadline) == ETIMEDOUT)
            break;
    }
    bool set = e->flag;
    pthread_mutex_unlock(&e->mutex);
    return set;
}
