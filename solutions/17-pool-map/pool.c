/* pool.c - lab 17, reference solution. */
#include "pool.h"
#include "proclabs.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* A worker's whole life: take a task, run it, send the results, repeat. */
static void worker_loop(int task_rd, int result_wr)
{
    struct task_msg t;
    while (read_all(task_rd, &t, sizeof t) == (ssize_t)sizeof t && t.fn) {
        struct result_msg r = {t.index, t.count, {0}};
        for (int i = 0; i < t.count; i++)
            r.results[i] = t.fn(t.args[i]);
        if (write_all(result_wr, &r, sizeof r) < 0) break;
    }
    _exit(0); /* EOF, sentinel or a dead parent: never return into the caller */
}

int pool_create(struct pool *p, int nworkers)
{
    if (nworkers < 1 || nworkers > POOL_MAX_WORKERS) return -1;
    int task[2], result[2];
    Pipe(task);
    Pipe(result);
    p->nworkers = nworkers;
    for (int i = 0; i < nworkers; i++) {
        p->pids[i] = Fork();
        if (p->pids[i] == 0) {
            close(task[1]); /* only the parent sends tasks */
            close(result[0]);
            worker_loop(task[0], result[1]);
        }
    }
    close(task[0]); /* the parent only writes tasks and reads results */
    close(result[1]);
    p->task_fd = task[1];
    p->result_fd = result[0];
    p->state = POOL_RUNNING;
    return 0;
}

int pool_apply(struct pool *p, pool_fn fn, long arg, long *result)
{
    return pool_map(p, fn, &arg, result, 1, 1);
}

int pool_map(struct pool *p, pool_fn fn, const long *args, long *results, int n, int chunksize)
{
    if (p->state != POOL_RUNNING) return -1;
    if (chunksize <= 0) chunksize = (n + 4 * p->nworkers - 1) / (4 * p->nworkers);
    if (chunksize < 1) chunksize = 1;
    if (chunksize > POOL_MAX_CHUNK) chunksize = POOL_MAX_CHUNK;
    int chunks = (n + chunksize - 1) / chunksize; /* the last chunk may be short */

    /* Keep at most `window` chunks in flight: sending everything first could
     * fill the task pipe while the workers block on a full result pipe. */
    int window = 2 * p->nworkers, sent = 0, done = 0;
    while (done < chunks) {
        if (sent < chunks && sent - done < window) {
            struct task_msg t = {fn, sent * chunksize, chunksize, {0}};
            if (t.index + t.count > n) t.count = n - t.index;
            for (int i = 0; i < t.count; i++)
                t.args[i] = args[t.index + i];
            if (write_all(p->task_fd, &t, sizeof t) < 0) return -1;
            sent++;
            continue;
        }
        struct result_msg r;
        if (read_all(p->result_fd, &r, sizeof r) != (ssize_t)sizeof r)
            return -1; /* every worker died */
        /* Chunks finish in any order: each result goes back to its own place. */
        for (int i = 0; i < r.count; i++)
            results[r.index + i] = r.results[i];
        done++;
    }
    return 0;
}

int pool_close(struct pool *p)
{
    if (p->state != POOL_RUNNING) return -1;
    struct task_msg stop = {NULL, 0, 0, {0}};
    for (int i = 0; i < p->nworkers; i++) /* one sentinel per worker */
        write_all(p->task_fd, &stop, sizeof stop);
    p->state = POOL_CLOSED;
    return 0;
}

int pool_terminate(struct pool *p)
{
    if (p->state == POOL_JOINED) return -1;
    for (int i = 0; i < p->nworkers; i++)
        kill(p->pids[i], SIGTERM);
    p->state = POOL_TERMINATED;
    return 0;
}

int pool_join(struct pool *p)
{
    if (p->state == POOL_RUNNING || p->state == POOL_JOINED)
        return -1; /* nobody told the workers to stop: waiting would hang */
    for (int i = 0; i < p->nworkers; i++)
        Waitpid(p->pids[i], NULL, 0);
    close(p->task_fd);
    close(p->result_fd);
    p->state = POOL_JOINED;
    return 0;
}
