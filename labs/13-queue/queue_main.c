/*
 * queue_main.c - the `queue_demo` program. (Given: do not edit.)
 *
 *     ./queue_demo [P C N]   P producers put N items each into one queue of
 *                            8 slots; C consumers take them all
 *
 * Each item is the text "item P-K"; every consumer marks what it got in a
 * shared tally, so the parent can say what was lost or doubled.
 */
#include "queue.h"
#include "proclabs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_PROCS = 16, MAX_ITEMS = 2000 };

static void produce(struct queue *q, int p, int n)
{
    for (int k = 0; k < n; k++) {
        char item[32];
        int len = snprintf(item, sizeof item, "item %d-%d", p, k);
        int st = queue_put(q, item, (size_t)len, true, QUEUE_FOREVER);
        if (st != Q_OK)
            fatal("producer %d: put gave %s", p, queue_status_name(st));
    }
    log_line("producer %d: put %d items", p, n);
}

static void consume(struct queue *q, int c, int quota, int *tally, int p_max, int n)
{
    int bad = 0;
    for (int k = 0; k < quota; k++) {
        char buf[QUEUE_ITEM_MAX + 1];
        size_t len = 0;
        /* A generous bound: a lost item must not hang the demo. */
        int st = queue_get(q, buf, &len, true, 2000);
        if (st != Q_OK)
            fatal("consumer %d: get %d of %d gave %s", c, k + 1, quota, queue_status_name(st));
        buf[len] = '\0';
        int p, i;
        if (sscanf(buf, "item %d-%d", &p, &i) == 2 && p >= 0 && p < p_max && i >= 0 && i < n)
            __atomic_add_fetch(&tally[p * n + i], 1, __ATOMIC_SEQ_CST);
        else
            bad++;
    }
    log_line("consumer %d: got %d items (%d garbled)", c, quota, bad);
}

int main(int argc, char **argv)
{
    int np = argc > 3 ? atoi(argv[1]) : 3;
    int nc = argc > 3 ? atoi(argv[2]) : 2;
    int n = argc > 3 ? atoi(argv[3]) : 200;
    if (np < 1 || nc < 1 || np > MAX_PROCS || nc > MAX_PROCS || n < 1 || np * n > MAX_ITEMS)
        fatal("usage: %s [P C N]  (1-16 producers and consumers, P*N at most %d)", argv[0],
              MAX_ITEMS);

    struct queue *q = queue_create(8);
    if (!q)
        fatal("queue_create(8) returned NULL");
    int total = np * n;
    int *tally = shared_alloc(sizeof(int) * (size_t)total);
    double start = now_ms();

    pid_t pids[2 * MAX_PROCS];
    int nproc = 0;
    for (int c = 0; c < nc; c++) {
        int quota = total / nc + (c < total % nc); /* the takes add up to total */
        if ((pids[nproc++] = Fork()) == 0) {
            consume(q, c, quota, tally, np, n);
            exit(0);
        }
    }
    for (int p = 0; p < np; p++)
        if ((pids[nproc++] = Fork()) == 0) {
            produce(q, p, n);
            exit(0);
        }
    int failed = 0;
    for (int i = 0; i < nproc; i++) {
        int status;
        Waitpid(pids[i], &status, 0);
        failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }

    int lost = 0, doubled = 0, received = 0;
    for (int i = 0; i < total; i++) {
        lost += tally[i] == 0;
        doubled += tally[i] > 1;
        received += tally[i] > 0;
    }
    log_line("%d processes failed; %.0f ms", failed, now_ms() - start);
    log_line("received %d of %d items: %d lost, %d doubled", received, total, lost, doubled);
    queue_destroy(q);
    return failed || lost || doubled ? 1 : 0;
}
