/*
 * queue.c - lab 13: a bounded queue shared by processes. This is the file
 * you edit. Read README.md first; `make grade LAB=13` checks your work.
 */
#define _GNU_SOURCE /* for sem_clockwait */
#include "queue.h"
#include "proclabs.h"

#include <errno.h>
#include <sys/mman.h>
#include <time.h>

struct queue *queue_create(int maxsize)
{
    /* TODO step 1: refuse a bad maxsize (NULL). Allocate the header and
     * maxsize slots where every forked process sees them (shared_alloc), set
     * maxsize, and sem_init the four semaphores with pshared = 1:
     * slots = maxsize, items = 0, put_lock = 1, get_lock = 1. */
    (void)maxsize;
    return NULL;
}

int queue_put(struct queue *q, const void *item, size_t len, bool block, double timeout_ms)
{
    /* TODO step 2: Q_CLOSED if closed, Q_TOOBIG if too long. Take a free
     * slot: sem_trywait when !block, sem_wait when timeout_ms < 0, else
     * sem_clockwait with a deadline; Q_FULL when none came. Then, holding
     * put_lock: slot_write(&q->slot[q->tail], ...) and advance tail. Last,
     * post items. */
    (void)q;
    (void)item;
    (void)len;
    (void)block;
    (void)timeout_ms;
    return Q_CLOSED;
}

int queue_get(struct queue *q, void *buf, size_t *len, bool block, double timeout_ms)
{
    /* TODO step 3: the mirror image of put: wait on items (Q_EMPTY), read
     * slot[head] with slot_read under get_lock, advance head, post slots. */
    (void)q;
    (void)buf;
    (void)len;
    (void)block;
    (void)timeout_ms;
    return Q_CLOSED;
}

int queue_put_nowait(struct queue *q, const void *item, size_t len)
{
    /* TODO step 4 */
    (void)q;
    (void)item;
    (void)len;
    return Q_CLOSED;
}

int queue_get_nowait(struct queue *q, void *buf, size_t *len)
{
    /* TODO step 4 */
    (void)q;
    (void)buf;
    (void)len;
    return Q_CLOSED;
}

int queue_qsize(struct queue *q)
{
    /* TODO step 5: the items semaphore's value (sem_getvalue). */
    (void)q;
    return -1;
}

bool queue_empty(struct queue *q)
{
    /* TODO step 5 */
    (void)q;
    return false;
}

bool queue_full(struct queue *q)
{
    /* TODO step 5: no free slot left. */
    (void)q;
    return false;
}

void queue_close(struct queue *q)
{
    /* TODO step 6: mark the queue closed for every process. */
    (void)q;
}

void queue_destroy(struct queue *q)
{
    /* TODO: sem_destroy the semaphores and free the shared memory. */
    (void)q;
}
