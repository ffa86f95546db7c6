/* apool.c - lab 18, reference solution. */
#include "apool.h"
#include "proclabs.h"

#include <string.h>

int apool_create(struct apool *p, int nworkers)
{
    memset(p, 0, sizeof *p);
    return workers_start(&p->w, nworkers, run_task);
}

void run_task(const struct task *t, struct task_result *res)
{
    long value = 0;
    int err = t->fn(t->arg, &value);
    /* A failure travels back as data; the worker lives on for the next task. */
    res->ok = err == 0;
    res->value = err == 0 ? value : 0;
    res->error = err;
}

struct async_result *apply_async(struct apool *p, task_fn fn, long arg, result_cb callback,
                                 error_cb error_callback, void *ctx)
{
    if (p->closed || p->submitted >= APOOL_MAX_TASKS) return NULL;
    struct async_result *r = &p->results[p->submitted];
    memset(r, 0, sizeof *r);
    r->pool = p;
    r->task = (struct task){p->submitted, fn, arg, callback, error_callback, ctx};
    if (workers_send(&p->w, &r->task) < 0) return NULL;
    p->submitted++;
    return r; /* at once: the result is filed later, by apool_dispatch */
}

int apool_dispatch(struct apool *p, int timeout_ms)
{
    struct task_result res;
    int k = workers_recv(&p->w, &res, timeout_ms);
    if (k <= 0) return k;
    if (res.id < 0 || res.id >= p->submitted) return 1; /* not ours: ignore it */
    /* Results come in finishing order: file each one in its own handle. */
    struct async_result *r = &p->results[res.id];
    r->ok = res.ok;
    r->value = res.value;
    r->error = res.error;
    r->worker = res.worker;
    r->ready = true;
    p->finished++;
    /* Here, in the main process, as the result arrives. */
    if (r->ok && r->task.callback) r->task.callback(r->value, r->task.ctx);
    if (!r->ok && r->task.error_callback) r->task.error_callback(r->error, r->task.ctx);
    return 1;
}

int async_get(struct async_result *r, int timeout_ms, long *value, int *error)
{
    double deadline = now_ms() + timeout_ms;
    while (!r->ready) {
        int left = timeout_ms < 0 ? -1 : (int)(deadline - now_ms() + 0.999);
        if (timeout_ms >= 0 && left < 0) left = 0; /* no time left: still look once */
        int k = apool_dispatch(r->pool, left);
        if (k < 0) return GET_LOST;
        if (k == 0) return GET_TIMEOUT; /* nothing came in the time left */
    }
    if (r->ok && value) *value = r->value;
    if (!r->ok && error) *error = r->error;
    return r->ok ? GET_OK : GET_FAILED;
}

int apool_close(struct apool *p)
{
    if (p->closed) return -1;
    p->closed = true;
    return 0;
}

int apool_join(struct apool *p)
{
    if (!p->closed) return -1; /* the pool still takes tasks: there is no "all done" to wait for */
    while (p->finished < p->submitted && p->w.n > 0)
        if (apool_dispatch(p, -1) < 0) break; /* every worker is gone */
    if (p->w.n > 0) workers_stop(&p->w);
    return 0;
}

void apool_terminate(struct apool *p)
{
    p->closed = true;
    if (p->w.n > 0) workers_kill(&p->w);
}
