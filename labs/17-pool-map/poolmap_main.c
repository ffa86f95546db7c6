/*
 * poolmap_main.c - the `poolmap` program. (Given: do not edit.)
 *
 *     ./poolmap [N] [W] [CHUNK]   square 0..N-1 (default 12) on a pool of W
 *                                 workers (default 3), CHUNK per task (0: default)
 *
 * The classic Pool example: pool.apply(square, (7,)), then
 * pool.map(square, range(N)), with tasks that take different times so that
 * they finish out of order, and a look at which pids did the work.
 */
#include "pool.h"
#include "proclabs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Later arguments are faster here, so chunks finish out of input order. */
static long slow_square(long x)
{
    sleep_ms(scaled_ms(60.0 * (3 - x % 4)));
    log_line("worker: square(%ld)", x);
    return x * x;
}

static long whoami(long x)
{
    sleep_ms(scaled_ms(50)); /* long enough for every worker to get a turn */
    return x >= 0 ? (long)getpid() : 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 12;
    int w = argc > 2 ? atoi(argv[2]) : 3;
    int chunk = argc > 3 ? atoi(argv[3]) : 0;
    if (n < 0 || n > 1000 || w < 1 || w > POOL_MAX_WORKERS)
        fatal("usage: %s [N] [W] [CHUNK]   (N items 0-1000, W workers 1-%d)", argv[0],
              POOL_MAX_WORKERS);

    struct pool p;
    if (pool_create(&p, w) < 0) fatal("pool_create(%d) failed", w);
    log_line("main: pool of %d workers", w);

    long r = -1;
    if (pool_apply(&p, slow_square, 7, &r) < 0) fatal("pool_apply failed");
    log_line("apply: square(7) = %ld", r);

    long *args = calloc((size_t)n + 1, sizeof *args), *res = calloc((size_t)n + 1, sizeof *res);
    for (int i = 0; i < n; i++)
        args[i] = i;
    if (pool_map(&p, slow_square, args, res, n, chunk) < 0) fatal("pool_map failed");
    char line[8192] = "map:";
    for (int i = 0; i < n; i++)
        snprintf(line + strlen(line), sizeof line - strlen(line), " %ld", res[i]);
    log_line("%s", line);

    /* Which processes ran tasks? Only the pool's own workers may appear. */
    int m = 4 * w;
    long *pids = calloc((size_t)m, sizeof *pids), *ids = calloc((size_t)m, sizeof *ids);
    if (pool_map(&p, whoami, ids, pids, m, 1) < 0) fatal("pool_map failed");
    int distinct = 0, strangers = 0;
    for (int i = 0; i < m; i++) {
        int seen = 0, ours = 0;
        for (int k = 0; k < i; k++)
            seen |= pids[k] == pids[i];
        for (int k = 0; k < w; k++)
            ours |= (long)p.pids[k] == pids[i];
        distinct += !seen;
        strangers += !seen && !ours;
    }
    log_line("pids: %d tasks ran on %d distinct pids, %d of them not pool workers", m, distinct,
             strangers);

    if (pool_close(&p) < 0 || pool_join(&p) < 0) fatal("pool_close/pool_join failed");
    log_line("main: joined, %d workers reaped", w);
    free(args);
    free(res);
    free(pids);
    free(ids);
    return 0;
}
