/*
 * pool.c - lab 17: a process pool. This is the file you edit.
 * Read README.md first; `make grade LAB=17` checks your work.
 */
#include "pool.h"
#include "proclabs.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* TODO step 1: a worker's whole life. Loop: read one struct task_msg from
 * task_rd (read_all, exactly sizeof the message); stop on EOF or on the
 * sentinel (fn == NULL); else fill a struct result_msg with the same index
 * and count and results[i] = fn(args[i]), and write it to result_wr
 * (write_all). At the end _exit(0): a worker never returns.
 * (Drop the "unused" attribute once pool_create calls it.) */
__attribute__((unused)) static void worker_loop(int task_rd, int result_wr)
{
    (void)task_rd;
    (void)result_wr;
    _exit(0);
}

int pool_create(struct pool *p, int nworkers)
{
    /* TODO step 1: check nworkers, make the task and result pipes, fork the
     * workers once (record their pids), close the ends each side does not
     * use, set task_fd, result_fd and state. */
    (void)p;
    (void)nworkers;
    return -1;
}

int pool_apply(struct pool *p, pool_fn fn, long arg, long *result)
{
    /* TODO step 2: send one task_msg (count 1) to the workers and read its
     * result_msg. Do not fork here: the workers already exist. */
    (void)p;
    (void)fn;
    (void)arg;
    (void)result;
    return -1;
}

int pool_map(struct pool *p, pool_fn fn, const long *args, long *results, int n, int chunksize)
{
    /* TODO step 3: cut args into chunks of chunksize (the last one may be
     * shorter), send them, and put each result_msg's results back at
     * results[index ...]: chunks finish in any order. Do not send more than
     * a few chunks ahead of the results you have read (see README). */
    (void)p;
    (void)fn;
    (void)args;
    (void)results;
    (void)n;
    (void)chunksize;
    return -1;
}

int pool_close(struct pool *p)
{
    /* TODO step 4: refuse if not running; send one stop sentinel per
     * worker; state = POOL_CLOSED. */
    (void)p;
    return -1;
}

int pool_terminate(struct pool *p)
{
    /* TODO step 5: refuse (-1) once joined; SIGTERM every worker;
     * state = POOL_TERMINATED. */
    (void)p;
    return -1;
}

int pool_join(struct pool *p)
{
    /* TODO step 6: return -1 at once on a running pool; else waitpid every
     * worker, close the pipes, state = POOL_JOINED. */
    (void)p;
    return -1;
}
