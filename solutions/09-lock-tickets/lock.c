/* lock.c - lab 09, reference solution. */
#include "lock.h"
#include "proclabs.h"

#include <errno.h>
#include <time.h>

struct lock *lock_new(void)
{
    /* MAP_SHARED memory: after fork every process sees the same sem_t. */
    struct lock *l = shared_alloc(sizeof *l);
    if (sem_init(&l->sem, 1, 1) < 0) { /* pshared 1: used by many processes */
        shared_free(l, sizeof *l);
        return NULL;
    }
    return l;
}

bool lock_acquire(struct lock *l, bool block, double timeout_ms)
{
    if (!block) return sem_trywait(&l->sem) == 0;
    if (timeout_ms < 0) {
        while (sem_wait(&l->sem) < 0)
            if (errno != EINTR) return false;
        return true;
    }
    /* sem_timedwait wants an absolute CLOCK_REALTIME time, not a duration. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (timeout_ms > 1e12)
        timeout_ms = 1e12; /* 31 years, as good as for ever: in ns it still fits a long long */
    long long ns = until.tv_nsec + (long long)(timeout_ms * 1e6); /* ms to ns */
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    while (sem_timedwait(&l->sem, &until) < 0)
        if (errno != EINTR) return false; /* ETIMEDOUT */
    return true;
}

int lock_release(struct lock *l)
{
    int v;
    /* A free lock has value 1: posting again would let two holders in. */
    if (sem_getvalue(&l->sem, &v) < 0 || v > 0) return -1;
    return sem_post(&l->sem);
}

void lock_free(struct lock *l)
{
    if (!l) return;
    sem_destroy(&l->sem);
    shared_free(l, sizeof *l);
}
