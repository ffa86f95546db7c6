/* bench_pool_map.c - lab 17's pool: map of a trivial function over 20k
 * items with 2 workers at the default chunk size (chunksize 0), as
 * Python's pool.map(square, range(20000)). JSON (items/s). */
#include "bench.h"
#include "pool.h"

static long square(long x)
{
    return x * x;
}

enum { ITEMS = 20000 };
static long args[ITEMS], results[ITEMS];

static double pool_map_items(long n)
{
    struct pool p;
    if (pool_create(&p, 2) < 0)
        fatal("pool_create(2) failed");
    for (long i = 0; i < n; i++)
        args[i] = i;
    double t = now_ms();
    if (pool_map(&p, square, args, results, (int)n, 0) < 0)
        fatal("pool_map failed");
    double secs = (now_ms() - t) / 1e3;
    for (long i = 0; i < n; i++)
        if (results[i] != i * i)
            fatal("pool_map: results[%ld] is %ld", i, results[i]);
    pool_close(&p);
    pool_join(&p);
    return secs;
}

int main(int argc, char **argv)
{
    bench_no_latency();
    double c;
    bench_pair(pool_map_items, ITEMS, NULL, 0, bench_runs(argc, argv), &c, NULL);
    printf("{\"c\": %.1f, \"n\": %d}\n", c, ITEMS);
    return 0;
}
