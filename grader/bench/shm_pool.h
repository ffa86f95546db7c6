/* shm_pool.h - the pools' floor: two worker processes that take tasks from
 * shared memory, with futex wake-ups only when someone has to sleep. A task
 * is a range of items (one item for apply_async, a chunk for map): no copy
 * through the kernel, no system call while both sides are busy. */
#ifndef SHM_POOL_H
#define SHM_POOL_H

#include "bench.h"

#include <limits.h>

enum { SHM_SLOTS = 256, SHM_ITEMS = 20000, SHM_WORKERS = 2 };

struct shm_pool {
    _Alignas(64) _Atomic uint32_t submitted, workers_sleep; /* task counts, for ever */
    _Alignas(64) _Atomic uint32_t claimed;
    _Alignas(64) _Atomic uint32_t finished, main_sleeps;
    _Alignas(64) struct {
        long start, count;
    } task[SHM_SLOTS];                /* task id lives in slot id % SHM_SLOTS */
    _Atomic uint32_t done[SHM_SLOTS]; /* id + 1 once task id is done */
    long (*fn)(long);
    long args[SHM_ITEMS], results[SHM_ITEMS];
};

static void shm_worker(struct shm_pool *p, int i)
{
    bench_child();
    bench_pin(bench_cpu(i));
    for (;;) {
        uint32_t c = atomic_load(&p->claimed), s = atomic_load(&p->submitted);
        if (c == s) {
            wait_change(&p->submitted, s, &p->workers_sleep);
            continue;
        }
        if (!atomic_compare_exchange_weak(&p->claimed, &c, c + 1))
            continue;
        long start = p->task[c % SHM_SLOTS].start, end = start + p->task[c % SHM_SLOTS].count;
        for (long j = start; j < end; j++)
            p->results[j] = p->fn(p->args[j]);
        atomic_store(&p->done[c % SHM_SLOTS], c + 1);
        atomic_fetch_add(&p->finished, 1);
        wake_if_sleeping(&p->finished, &p->main_sleeps);
    }
}

static struct shm_pool *shm_pool_create(long (*fn)(long))
{
    struct shm_pool *p = shared_alloc(sizeof *p);
    p->fn = fn;
    for (int i = 0; i < SHM_WORKERS; i++)
        if (Fork() == 0)
            shm_worker(p, i);
    return p;
}

/* Publish a task over items [start, start + count); its id. */
static uint32_t shm_submit(struct shm_pool *p, long start, long count)
{
    uint32_t id = atomic_load(&p->submitted);
    p->task[id % SHM_SLOTS].start = start;
    p->task[id % SHM_SLOTS].count = count;
    atomic_store(&p->submitted, id + 1);
    if (atomic_load(&p->workers_sleep) && atomic_exchange(&p->workers_sleep, 0)) /* wake all */
        futex_wake(&p->submitted, INT_MAX);
    return id;
}

static void shm_wait_task(struct shm_pool *p, uint32_t id)
{
    for (;;) {
        uint32_t f = atomic_load(&p->finished);
        if (atomic_load(&p->done[id % SHM_SLOTS]) == id + 1)
            return;
        wait_change(&p->finished, f, &p->main_sleeps);
    }
}

#endif
