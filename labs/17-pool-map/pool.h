/*
 * pool.h - lab 17: a process pool with apply and map. (Given: do not edit.)
 *
 * Python: multiprocessing.Pool(processes=N), pool.apply(f, (x,)),
 *         pool.map(f, xs, chunksize), pool.close(), pool.join(),
 *         pool.terminate().
 *
 * N workers are forked once, in pool_create(), and reused for every task.
 * They share two pipes:
 *
 *     parent --struct task_msg-->   task pipe   --> any idle worker
 *     parent <--struct result_msg-- result pipe <-- the worker that ran it
 *
 * Every message is at most PIPE_BUF (4096) bytes, so one write(2) of a
 * message is atomic and a read(2) of exactly sizeof(message) bytes takes one
 * whole message: workers may read the same pipe at once without a lock.
 * That is what caps a chunk: POOL_MAX_CHUNK = 510 arguments make a task_msg
 * of exactly 4096 bytes (8 + 4 + 4 + 510 * 8).
 */
#ifndef POOL_H
#define POOL_H

#include <sys/types.h>

enum { POOL_MAX_WORKERS = 16, POOL_MAX_CHUNK = 510 };

/* A task: runs in a worker, gets one number, returns one number. */
typedef long (*pool_fn)(long arg);

/* Parent to worker: run fn on count arguments (a chunk of a map, or one
 * apply). index is the position of args[0] in the caller's input. A message
 * with fn == NULL is the stop sentinel: the worker exits. */
struct task_msg {
    pool_fn fn;
    int index;
    int count;
    long args[POOL_MAX_CHUNK];
};

/* Worker to parent: the results of one task_msg, same index and count. */
struct result_msg {
    int index;
    int count;
    long results[POOL_MAX_CHUNK];
};

enum pool_state {
    POOL_RUNNING,    /* accepts tasks */
    POOL_CLOSED,     /* pool_close(): no new tasks, workers finish and exit */
    POOL_TERMINATED, /* pool_terminate(): workers killed */
    POOL_JOINED,     /* pool_join() reaped every worker */
};

struct pool {
    int nworkers;
    pid_t pids[POOL_MAX_WORKERS]; /* the workers, forked once in pool_create */
    int task_fd;                  /* parent's write end of the task pipe */
    int result_fd;                /* parent's read end of the result pipe */
    enum pool_state state;
};

/* Step 1. Make the two pipes and fork nworkers workers (1 to
 * POOL_MAX_WORKERS; else return -1). Each worker loops: read a task_msg,
 * run fn on each argument, write one result_msg; on the stop sentinel (or
 * EOF) it exits and never returns from pool_create. The parent keeps only
 * the ends it uses. 0 on success, with state POOL_RUNNING. */
int pool_create(struct pool *p, int nworkers);

/* Step 2. Run fn(arg) in a worker and wait for its result (Python's
 * apply). 0 and *result set; -1 when the pool is not running. */
int pool_apply(struct pool *p, pool_fn fn, long arg, long *result);

/* Step 3. results[i] = fn(args[i]) for 0 <= i < n, computed by the workers
 * in chunks of chunksize arguments (chunksize <= 0: Python's default,
 * ceil(n / (4 * nworkers)); never more than POOL_MAX_CHUNK). results are in INPUT order,
 * whatever order the chunks finish in. 0 on success (also for n == 0); -1
 * when the pool is not running. */
int pool_map(struct pool *p, pool_fn fn, const long *args, long *results, int n, int chunksize);

/* Step 4. No new tasks: later apply/map return -1. Tell every worker to
 * stop (one sentinel each); do not wait here. 0, or -1 if not running. */
int pool_close(struct pool *p);

/* Step 5. Stop the workers now (SIGTERM), even in the middle of a task. 0,
 * or -1 if already joined. */
int pool_terminate(struct pool *p);

/* Step 6. Wait for every worker to exit and reap it (no zombies). Only
 * after pool_close or pool_terminate: on a running pool return -1 at once
 * (Python raises ValueError) instead of waiting for workers that were
 * never told to stop. 0 on success. */
int pool_join(struct pool *p);

#endif
