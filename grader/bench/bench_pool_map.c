/* bench_pool_map.c - lab 17's pool: map of a trivial function over 20k
 * items with 2 workers at the default chunk size (chunksize 0), as
 * Python's pool.map(square, range(20000)); beside its floors: the same map
 * handed to 2 workers through shared memory in chunks of Python's default
 * size, ceil(n / (4 * workers)) (shm_pool.h), and a serial loop in this
 * process. A step of K is K maps; every result is checked. */
#include "shm_pool.h"

#include "pool.h"

enum { ITEMS = SHM_ITEMS };
static long args[ITEMS], results[ITEMS];

static long square(long x)
{
    return x * x;
}

static void check(const long *r, const char *who)
{
    for (long i = 0; i < ITEMS; i++)
        if (r[i] != i * i)
            fatal("%s: results[%ld] is %ld", who, i, r[i]);
}

static double lab(long k)
{
    static struct pool p;
    static int up;
    if (!up++) {
        if (pool_create(&p, 2) < 0)
            fatal("pool_create(2) failed");
        for (int i = 0; i < p.nworkers; i++)
            bench_place(p.pids[i], bench_cpu(i));
    }
    double t = bench_now();
    for (long m = 0; m < k; m++) {
        memset(results, 0, sizeof results);
        if (pool_map(&p, square, args, results, ITEMS, 0) < 0)
            fatal("pool_map failed");
        check(results, "pool_map");
    }
    return bench_now() - t;
}

static double shm_floor(long k)
{
    static struct shm_pool *p;
    if (!p)
        p = shm_pool_create(square);
    long chunk = (ITEMS + 4 * SHM_WORKERS - 1) / (4 * SHM_WORKERS);
    double t = bench_now();
    for (long m = 0; m < k; m++) {
        memcpy(p->args, args, sizeof args); /* in and out, as a pool's caller needs */
        memset(p->results, 0, sizeof p->results);
        uint32_t first = atomic_load(&p->submitted), last = first;
        for (long s = 0; s < ITEMS; s += chunk)
            last = shm_submit(p, s, ITEMS - s < chunk ? ITEMS - s : chunk);
        for (uint32_t id = first; id != last + 1; id++)
            shm_wait_task(p, id);
        memcpy(results, p->results, sizeof results);
        check(results, "shared-memory map");
    }
    return bench_now() - t;
}

static long (*volatile serial_fn)(long) = square; /* called, not inlined away */

static double serial_floor(long k)
{
    double t = bench_now();
    for (long m = 0; m < k; m++) {
        long (*f)(long) = serial_fn;
        for (long i = 0; i < ITEMS; i++)
            results[i] = f(args[i]);
        check(results, "serial map");
    }
    return bench_now() - t;
}

int main(void)
{
    bench_no_latency();
    bench_pin(0);
    for (long i = 0; i < ITEMS; i++)
        args[i] = i;
    static const struct bench_side sides[] = {
        {"lab", lab}, {"shm", shm_floor}, {"serial", serial_floor}};
    return bench_serve(sides, 3);
}
