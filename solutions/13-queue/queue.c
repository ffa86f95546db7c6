/* queue.c - lab 13, reference solution: a ring in shared memory. */
#define _GNU_SOURCE /* sem_clockwait */
#include "queue.h"
#include "proclabs.h"

#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>

enum { SPIN_TRIES = 64 }; /* looks at a semaphore before sleeping on it */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

struct queue *queue_create(int maxsize)
{
    if (maxsize < 1 || maxsize > QUEUE_MAXSIZE_MAX)
        return NULL;
    /* MAP_SHARED: after fork every process sees the same ring. */
    struct queue *q = shared_alloc(sizeof *q + (size_t)maxsize * sizeof q->slot[0]);
    q->maxsize = (unsigned)maxsize;
    /* pshared = 1: the semaphores work across processes. */
    sem_init(&q->slots, 1, (unsigned)maxsize);
    sem_init(&q->items, 1, 0);
    sem_init(&q->put_lock, 1, 1);
    sem_init(&q->get_lock, 1, 1);
    return q;
}

/* Take one unit of s: at once (block false), without limit (QUEUE_FOREVER)
 * or until timeout_ms has passed. 0 when taken, -1 when not. */
static int take(sem_t *s, bool block, double timeout_ms)
{
    int r;
    if (!block) {
        while ((r = sem_trywait(s)) < 0 && errno == EINTR)
            ;
        return r;
    }
    /* An absolute deadline on the monotonic clock, taken first: neither the
     * look below nor an EINTR retry restarts the timeout, and a wall-clock
     * jump does not change it. */
    struct timespec t;
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (timeout_ms > 1e12)
            timeout_ms = 1e12; /* 31 years, as good as for ever: in ns it still fits a long long */
        long long ns = t.tv_nsec + (long long)(timeout_ms * 1e6);
        t.tv_sec += ns / 1000000000;
        t.tv_nsec = ns % 1000000000;
    }
    /* Look a little before going to sleep: the other side is usually about
     * to post. A sleeper in sem_wait makes EVERY sem_post on s a futex_wake
     * system call until it has been woken AND has run again, which on a busy
     * machine can take hundreds of posts; looking (a read, no write) and
     * yielding now and then costs far less (see "Speed" in the README). */
    for (int i = 0; i < SPIN_TRIES; i++) {
        int v;
        sem_getvalue(s, &v);
        if (v > 0 && sem_trywait(s) == 0)
            return 0;
        if (i % 16 == 15)
            sched_yield(); /* let the other side run if it shares our CPU */
        else
            cpu_relax();
    }
    if (timeout_ms < 0) {
        while ((r = sem_wait(s)) < 0 && errno == EINTR)
            ;
        return r;
    }
    while ((r = sem_clockwait(s, CLOCK_MONOTONIC, &t)) < 0 && errno == EINTR)
        ;
    return r;
}

int queue_put(struct queue *q, const void *item, size_t len, bool block, double timeout_ms)
{
    if (__atomic_load_n(&q->closed, __ATOMIC_ACQUIRE))
        return Q_CLOSED;
    if (len > QUEUE_ITEM_MAX)
        return Q_TOOBIG;
    if (take(&q->slots, block, timeout_ms) < 0)
        return Q_FULL;
    sem_wait(&q->put_lock); /* two producers must not fill the same slot */
    slot_write(&q->slot[q->tail], item, len);
    q->tail = (q->tail + 1) % q->maxsize;
    sem_post(&q->put_lock);
    sem_post(&q->items); /* only now may a consumer read the slot */
    return Q_OK;
}

int queue_get(struct queue *q, void *buf, size_t *len, bool block, double timeout_ms)
{
    if (__atomic_load_n(&q->closed, __ATOMIC_ACQUIRE))
        return Q_CLOSED;
    if (take(&q->items, block, timeout_ms) < 0)
        return Q_EMPTY;
    sem_wait(&q->get_lock); /* two consumers must not take the same slot */
    slot_read(&q->slot[q->head], buf, len);
    q->head = (q->head + 1) % q->maxsize;
    sem_post(&q->get_lock);
    sem_post(&q->slots); /* the slot is free for a producer again */
    return Q_OK;
}

int queue_put_nowait(struct queue *q, const void *item, size_t len)
{
    return queue_put(q, item, len, false, 0);
}

int queue_get_nowait(struct queue *q, void *buf, size_t *len)
{
    return queue_get(q, buf, len, false, 0);
}

int queue_qsize(struct queue *q)
{
    int n;
    sem_getvalue(&q->items, &n);
    return n;
}

bool queue_empty(struct queue *q)
{
    return queue_qsize(q) == 0;
}

bool queue_full(struct queue *q)
{
    int free_slots;
    sem_getvalue(&q->slots, &free_slots);
    return free_slots == 0;
}

void queue_close(struct queue *q)
{
    __atomic_store_n(&q->closed, 1, __ATOMIC_RELEASE);
}

void queue_destroy(struct queue *q)
{
    if (!q)
        return;
    sem_destroy(&q->slots);
    sem_destroy(&q->items);
    sem_destroy(&q->put_lock);
    sem_destroy(&q->get_lock);
    shared_free(q, sizeof *q + q->maxsize * sizeof q->slot[0]);
}
