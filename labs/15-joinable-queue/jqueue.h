/*
 * jqueue.h - lab 15: a joinable queue. (Given: do not edit.)
 *
 * Python: q = multiprocessing.JoinableQueue(); q.put(item); q.get();
 *         q.task_done(); q.join().
 *
 * A queue that also counts unfinished tasks: put adds one, task_done takes
 * one away, and join waits until the count is back at 0, that is until
 * every item put has been got AND processed. An empty queue is not enough:
 * the last items may still be in a worker's hands.
 *
 * The count is shared by every process, so the whole struct lives in
 * shared memory, and the mutex and condition variable that guard it are
 * made PTHREAD_PROCESS_SHARED.
 */
#ifndef JQUEUE_H
#define JQUEUE_H

#include "pipeq.h"

#include <pthread.h>
#include <stdbool.h>

/* The stop sentinel for workers (Python's None): never a job. */
#define STOP (-1)
/* timeout_ms for "no timeout" (Python's join() has none). */
#define JQ_FOREVER (-1.0)

struct jqueue {
    struct pipeq items;      /* the items themselves (given, pipeq.h) */
    pthread_mutex_t lock;    /* guards unfinished; process-shared */
    pthread_cond_t all_done; /* broadcast when unfinished drops to 0; process-shared,
                                timed waits on CLOCK_MONOTONIC */
    int unfinished;          /* items put and not yet marked task_done */
};

/* Step 1. A new, empty queue in shared memory: init the pipe (pipeq_init),
 * the process-shared mutex and condition variable; unfinished = 0. */
struct jqueue *jq_create(void);

/* Step 2. Count one more unfinished task, then put the item. */
void jq_put(struct jqueue *q, int item);
/* Take the oldest item; waits while the queue is empty. */
int jq_get(struct jqueue *q);

/* Step 3. One task got earlier is finished: count it down, and wake every
 * joiner when the count reaches 0. Returns 0, or -1 (Python: ValueError
 * "task_done() called too many times") when no task is unfinished; the
 * count then stays 0. */
int jq_task_done(struct jqueue *q);

/* Step 4. Wait until no task is unfinished: true. Gives up after timeout_ms
 * (JQ_FOREVER: never) with false. */
bool jq_join(struct jqueue *q, double timeout_ms);

/* Free the queue (once, in the process that made it, when all are done). */
void jq_destroy(struct jqueue *q);

/* Step 5. A worker: take jobs until STOP; process(id, job) each one and
 * then mark it done (jq_task_done). Do not mark the STOP. */
void worker(struct jqueue *q, int id);

/* Step 6. The main process: make a queue; fork nworkers workers (worker w
 * runs worker(q, w) then exits with 0); put jobs 1 .. njobs; join the
 * queue; read n = jobs_done() right after the join; then put one STOP per
 * worker, wait for every worker and destroy the queue. Returns n (njobs
 * when the join waited for all the work). */
int run_jobs(int nworkers, int njobs);

/* ---- given (jobs_given.c) ---------------------------------------------------- */

/* Do job number job (takes a little while) and count it in shared memory. */
void process(int id, int job);
/* How many jobs process() has finished so far, in all processes. */
int jobs_done(void);
/* Start counting from 0; the first call makes the count in shared memory.
 * The checks and the program call it before run_jobs(). */
void jobs_reset(void);
extern int jobs_verbose; /* print each job as it is done */

#endif
