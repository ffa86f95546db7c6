/*
 * progress_main.c - the `progress` program. (Given: do not edit.)
 *
 *     ./progress [N] [W]   N tasks (default 10) on W workers (default 3),
 *                          with a progress bar driven by the callbacks
 *
 * The "print progress" exercise: submit every task with apply_async, and
 * let the callbacks, which run in the main process, move a progress bar
 * as each result arrives. Task 3 fails, to show the error callback.
 */
#include "apool.h"
#include "proclabs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { BAR = 20 };

/* Lives in the main process: only a callback run there can move it. */
struct progress {
    int total, done, ok, failed;
};

static int ntasks;
/* Shared with the workers, only so that the slow last task surely ends
 * after the bar first moved, however loaded the machine is (the grader
 * checks that order). The bar itself stays in the main process. */
static int *bar_moved;

/* The last task is slow on purpose: watch the bar move while it runs. */
static int work(long i, long *value)
{
    sleep_ms(scaled_ms(i == ntasks - 1 ? 1500 : 100.0 * (1 + i % 3)));
    for (double limit = now_ms() + scaled_ms(3000);
         i == ntasks - 1 && !__atomic_load_n(bar_moved, __ATOMIC_SEQ_CST) && now_ms() < limit;)
        sleep_ms(1);
    log_line("worker: task %ld done", i);
    if (i == 3) return 42; /* this task fails, with error code 42 */
    *value = i * i;
    return 0;
}

static void show(struct progress *pr, const char *what)
{
    char bar[BAR + 1];
    int full = pr->done * BAR / pr->total;
    memset(bar, '#', (size_t)full);
    memset(bar + full, '.', (size_t)(BAR - full));
    bar[BAR] = '\0';
    log_line("progress [%s] %d/%d  %s", bar, pr->done, pr->total, what);
    __atomic_store_n(bar_moved, 1, __ATOMIC_SEQ_CST);
}

static void on_result(long value, void *ctx)
{
    struct progress *pr = ctx;
    char what[64];
    pr->done++;
    pr->ok++;
    snprintf(what, sizeof what, "(a result: %ld)", value);
    show(pr, what);
}

static void on_error(int error, void *ctx)
{
    struct progress *pr = ctx;
    char what[64];
    pr->done++;
    pr->failed++;
    snprintf(what, sizeof what, "(a task failed with error %d)", error);
    show(pr, what);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    int w = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 1 || n > APOOL_MAX_TASKS || w < 1 || w > WORKERS_MAX)
        fatal("usage: %s [N] [W]   (N tasks 1-%d, W workers 1-%d)", argv[0], APOOL_MAX_TASKS,
              WORKERS_MAX);

    static struct apool pool;
    ntasks = n;
    bar_moved = shared_alloc(sizeof *bar_moved); /* before the workers are forked */
    struct progress pr = {n, 0, 0, 0};
    if (apool_create(&pool, w) < 0) fatal("apool_create(%d) failed", w);
    log_line("main: pid %d, %d tasks on %d workers", (int)getpid(), n, w);

    struct async_result *last = NULL;
    for (int i = 0; i < n; i++)
        if (!(last = apply_async(&pool, work, i, on_result, on_error, &pr)))
            fatal("apply_async(task %d) returned NULL", i);
    log_line("main: all %d tasks submitted", n);

    /* A get with a short timeout on a task that is still running. */
    long v;
    int st = async_get(last, (int)scaled_ms(10), &v, NULL);
    log_line("main: get(task %d, %.0f ms) says %s", n - 1, scaled_ms(10),
             st == GET_TIMEOUT ? "not ready yet (timeout)" : "ready");

    apool_close(&pool);
    if (apool_join(&pool) < 0) fatal("apool_join failed");
    st = async_get(last, 0, &v, NULL);
    log_line("main: task %d gave %ld (get says %s)", n - 1, v,
             st == GET_OK       ? "ok"
             : st == GET_FAILED ? "failed"
                                : "not ready");
    log_line("main: %d ok, %d failed, bar at %d/%d", pr.ok, pr.failed, pr.done, pr.total);
    return pr.done == n ? 0 : 1;
}
