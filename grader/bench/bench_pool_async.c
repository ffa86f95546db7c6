/* bench_pool_async.c - lab 18's pool: apply_async of a trivial task with 2
 * workers, every result taken with get(), as Python's
 *     [pool.apply_async(square, (i,)) for i in range(n)], then r.get()
 * A pool holds APOOL_MAX_TASKS handles, so the tasks go in batches of that
 * many: submit a batch, get every result, then reuse the handles (the pool
 * and its workers stay). JSON (tasks/s). */
#include "apool.h"
#include "bench.h"

static int square(long x, long *value)
{
    *value = x * x;
    return 0;
}

static struct apool pool;

static double pool_apply_async(long n)
{
    if (apool_create(&pool, 2) < 0)
        fatal("apool_create(2) failed");
    double t = now_ms();
    for (long done = 0; done < n;) {
        long batch = n - done < APOOL_MAX_TASKS ? n - done : APOOL_MAX_TASKS;
        struct async_result *r[APOOL_MAX_TASKS];
        for (long i = 0; i < batch; i++)
            if (!(r[i] = apply_async(&pool, square, done + i, NULL, NULL, NULL)))
                fatal("apply_async %ld returned NULL", done + i);
        for (long i = 0; i < batch; i++) {
            long v;
            if (async_get(r[i], 10000, &v, NULL) != GET_OK || v != (done + i) * (done + i))
                fatal("task %ld: no right result", done + i);
        }
        done += batch;
        pool.submitted = pool.finished = 0; /* every handle is dispatched: reuse them */
    }
    double secs = (now_ms() - t) / 1e3;
    apool_close(&pool);
    apool_join(&pool);
    return secs;
}

int main(int argc, char **argv)
{
    bench_no_latency();
    long n = bench_quick(argc, argv) ? 5000 : 20000;
    double c;
    bench_pair(pool_apply_async, n, NULL, 0, bench_runs(argc, argv), &c, NULL);
    printf("{\"c\": %.1f, \"n\": %ld}\n", c, n);
    return 0;
}
