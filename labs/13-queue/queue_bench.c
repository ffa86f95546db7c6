/*
 * queue_bench.c - the `queue_bench` program. (Given: do not edit.)
 *
 *     ./queue_bench [N]   one producer puts N items of 64 bytes (default
 *                         200000) into a queue of 1000 slots, one consumer
 *                         takes them; prints items per second
 *
 * Python's multiprocessing.Queue(maxsize=1000) moves about 88,000 such
 * items a second on the machine the kit was measured on (see README.md).
 */
#include "queue.h"
#include "proclabs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    if (n < 1)
        fatal("usage: %s [N]", argv[0]);
    struct queue *q = queue_create(1000);
    if (!q)
        fatal("queue_create(1000) returned NULL");
    double start = now_ms();
    pid_t pid = Fork();
    if (pid == 0) {
        unsigned char item[64];
        memset(item, 'x', sizeof item);
        for (long i = 0; i < n; i++)
            if (queue_put(q, item, sizeof item, true, QUEUE_FOREVER) != Q_OK)
                fatal("put %ld failed", i);
        exit(0);
    }
    unsigned char buf[QUEUE_ITEM_MAX];
    size_t len;
    long got = 0;
    for (; got < n; got++)
        if (queue_get(q, buf, &len, true, 5000) != Q_OK || len != 64)
            break;
    int status;
    Waitpid(pid, &status, 0);
    double ms = now_ms() - start;
    log_line("%ld of %ld items of 64 bytes in %.0f ms: %.0f items/s (Python: about 88000)", got, n,
             ms, got / (ms / 1e3));
    queue_destroy(q);
    return got == n ? 0 : 1;
}
