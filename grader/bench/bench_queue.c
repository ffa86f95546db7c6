/* bench_queue.c - lab 13's queue: Queue(maxsize=1000), 64-byte items, one
 * producer process to one consumer. JSON (items/s). */
#include "bench.h"
#include "queue.h"

#include <sys/wait.h>
#include <unistd.h>

static double queue_1to1(long n)
{
    struct queue *q = queue_create(1000);
    if (!q)
        fatal("queue_create(1000) returned NULL");
    double t = now_ms();
    pid_t pid = Fork();
    if (pid == 0) {
        unsigned char item[64];
        memset(item, 'x', sizeof item);
        for (long i = 0; i < n; i++)
            if (queue_put(q, item, sizeof item, true, QUEUE_FOREVER) != Q_OK)
                _exit(1);
        _exit(0);
    }
    unsigned char buf[QUEUE_ITEM_MAX];
    size_t len;
    for (long i = 0; i < n; i++)
        if (queue_get(q, buf, &len, true, QUEUE_FOREVER) != Q_OK || len != 64)
            fatal("queue get %ld failed", i);
    int status;
    Waitpid(pid, &status, 0);
    double secs = (now_ms() - t) / 1e3;
    if (status != 0)
        fatal("the producer failed");
    queue_destroy(q);
    return secs;
}

int main(int argc, char **argv)
{
    bench_no_latency();
    queue_copy_delay_ms = 0; /* the checks' slow copy is off (it is by default) */
    queue_watch = NULL;
    long n = bench_quick(argc, argv) ? 50000 : 200000;
    double c;
    bench_pair(queue_1to1, n, NULL, 0, bench_runs(argc, argv), &c, NULL);
    printf("{\"c\": %.1f, \"n\": %ld}\n", c, n);
    return 0;
}
