/* bench_pool_async.c - lab 18's pool: apply_async of a trivial task with 2
 * workers, as Python's
 *     rs = [pool.apply_async(square, (i,)) for i in batch]; [r.get() for r in rs]
 * in batches of APOOL_MAX_TASKS (the handles a lab-18 pool holds: submit a
 * batch, get every result in order, reuse the handles), beside its floors:
 * the same batches handed to 2 workers through shared memory (shm_pool.h),
 * and a serial loop in this process. Every result is checked. */
#include "shm_pool.h"

#include "apool.h"

static int square(long x, long *value)
{
    *value = x * x;
    return 0;
}

static long square_long(long x)
{
    return x * x;
}

static long batch_of(long k, long done)
{
    return k - done < APOOL_MAX_TASKS ? k - done : APOOL_MAX_TASKS;
}

static double lab(long k)
{
    static struct apool pool;
    static int up;
    if (!up++) {
        if (apool_create(&pool, 2) < 0)
            fatal("apool_create(2) failed");
        for (int i = 0; i < pool.w.n; i++)
            bench_place(pool.w.pids[i], bench_cpu(i));
    }
    double t = bench_now();
    for (long done = 0, batch; done < k; done += batch) {
        batch = batch_of(k, done);
        struct async_result *r[APOOL_MAX_TASKS];
        for (long i = 0; i < batch; i++)
            if (!(r[i] = apply_async(&pool, square, i, NULL, NULL, NULL)))
                fatal("apply_async %ld returned NULL", done + i);
        for (long i = 0; i < batch; i++) {
            long v;
            if (async_get(r[i], 10000, &v, NULL) != GET_OK || v != i * i)
                fatal("task %ld: no right result", done + i);
        }
        pool.submitted = pool.finished = 0; /* every handle is dispatched: reuse them */
    }
    return bench_now() - t;
}

static double shm_floor(long k)
{
    static struct shm_pool *p;
    if (!p)
        p = shm_pool_create(square_long);
    double t = bench_now();
    for (long done = 0, batch; done < k; done += batch) {
        batch = batch_of(k, done);
        uint32_t id[APOOL_MAX_TASKS];
        for (long i = 0; i < batch; i++) {
            p->args[i] = i;
            p->results[i] = -1;
            id[i] = shm_submit(p, i, 1);
        }
        for (long i = 0; i < batch; i++) {
            shm_wait_task(p, id[i]);
            if (p->results[i] != i * i)
                fatal("shared-memory task %ld: no right result", done + i);
        }
    }
    return bench_now() - t;
}

static long (*volatile serial_fn)(long) = square_long; /* called, not inlined away */

static double serial_floor(long k)
{
    double t = bench_now();
    for (long i = 0; i < k; i++)
        if (serial_fn(i % APOOL_MAX_TASKS) != (i % APOOL_MAX_TASKS) * (i % APOOL_MAX_TASKS))
            fatal("serial task %ld: wrong", i);
    return bench_now() - t;
}

int main(void)
{
    bench_no_latency();
    bench_pin(0);
    static const struct bench_side sides[] = {
        {"lab", lab}, {"shm", shm_floor}, {"serial", serial_floor}};
    return bench_serve(sides, 3);
}
