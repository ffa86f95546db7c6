/*
 * apool.h - lab 18: apply_async, results with get(timeout), callbacks.
 * (Given: do not edit.)
 *
 * Python: r = pool.apply_async(f, (x,), callback=cb, error_callback=ecb)
 *         r.get(timeout), r.ready(), pool.close(), pool.join()
 *
 * apply_async() hands a task to the workers (workers.h) and returns at
 * once with a handle. Results come back in the order tasks FINISH. The main
 * process takes them in apool_dispatch(): it files each result in its
 * handle and runs that task's callback (or error callback) right there, in
 * the main process, as each result arrives. get() and join() wait by
 * dispatching.
 */
#ifndef APOOL_H
#define APOOL_H

#include "workers.h"

#include <stdbool.h>

enum { APOOL_MAX_TASKS = 256 };

/* What async_get() says. */
enum get_status {
    GET_OK = 0,      /* *value is the task's result */
    GET_FAILED = 1,  /* the task failed: *error is its error code */
    GET_TIMEOUT = 2, /* not ready within the timeout (Python: TimeoutError) */
    GET_LOST = -1,   /* it can never come: the workers are gone */
};

struct apool;

/* A handle on one submitted task (Python: AsyncResult). */
struct async_result {
    struct apool *pool;
    struct task task; /* as submitted; task.id is this handle's index in pool->results */
    bool ready;       /* its result arrived and was dispatched */
    bool ok;          /* when ready: value is valid, else error is */
    long value;
    int error;
    pid_t worker; /* who ran it */
};

struct apool {
    struct workers w;
    bool closed;
    int submitted; /* tasks handed to the workers, = the next task id */
    int finished;  /* results dispatched */
    struct async_result results[APOOL_MAX_TASKS];
};

/* Start a pool of nworkers workers that run tasks with run_task(). 0 or -1.
 * (Done for you in apool.c.) */
int apool_create(struct apool *p, int nworkers);

/* Step 1. Runs IN A WORKER: call t->fn(t->arg, &value). 0 means success
 * (res->ok = 1, res->value); anything else is a failure (res->ok = 0,
 * res->error = that code). Never exit here: a failing task is a result. */
void run_task(const struct task *t, struct task_result *res);

/* Step 2. Fill the next handle (id = p->submitted), send its task and
 * return the handle AT ONCE, without waiting for the result. callback and
 * error_callback may be NULL. NULL when the pool is closed or full. */
struct async_result *apply_async(struct apool *p, task_fn fn, long arg, result_cb callback,
                                 error_cb error_callback, void *ctx);

/* Step 3. Wait at most timeout_ms (-1: no limit) for one result; file it
 * in its own handle (p->results[res.id]): ready, ok, value or error,
 * worker; count it finished; then run, here in the main process, its
 * callback (success) or its error_callback (failure), if given. 1: one
 * result dispatched; 0: none in time; -1: none can ever come. */
int apool_dispatch(struct apool *p, int timeout_ms);

/* Step 4. Wait until r is ready, but never longer than timeout_ms (-1: no
 * limit; 0: just look, so a result that has already arrived is returned,
 * as Python's get(0)), dispatching whatever results arrive meanwhile
 * (other tasks' callbacks run too). GET_OK with *value, GET_FAILED with
 * *error, GET_TIMEOUT, or GET_LOST (also after apool_join or
 * apool_terminate, for a task whose result never came). value and error
 * may be NULL. */
int async_get(struct async_result *r, int timeout_ms, long *value, int *error);

/* No new tasks: apply_async returns NULL from now on. 0, or -1 if already
 * closed. (Done for you in apool.c.) */
int apool_close(struct apool *p);

/* Step 5. Only after apool_close (else -1 at once, as Python's ValueError).
 * Dispatch every outstanding result, each as it arrives, so that every
 * callback has run; then stop and reap the workers. 0. */
int apool_join(struct apool *p);

/* Stop the workers now; pending results never arrive. (Done for you.) */
void apool_terminate(struct apool *p);

#endif
