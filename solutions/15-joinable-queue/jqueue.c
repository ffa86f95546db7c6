/* jqueue.c - lab 15, reference solution. */
#include "jqueue.h"
#include "proclabs.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

struct jqueue *jq_create(void)
{
    /* Shared memory: a task_done in a worker must change the parent's count. */
    struct jqueue *q = shared_alloc(sizeof *q);
    pipeq_init(&q->items);

    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&q->lock, &ma);
    pthread_mutexattr_destroy(&ma);

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED); /* wakes other processes */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);          /* deadlines immune to clock jumps */
    pthread_cond_init(&q->all_done, &ca);
    pthread_condattr_destroy(&ca);
    return q;
}

void jq_put(struct jqueue *q, int item)
{
    /* Count first: a worker may get the item and call task_done at once. */
    pthread_mutex_lock(&q->lock);
    q->unfinished++;
    pthread_mutex_unlock(&q->lock);
    pipeq_put(&q->items, item);
}

int jq_get(struct jqueue *q)
{
    return pipeq_get(&q->items);
}

int jq_task_done(struct jqueue *q)
{
    int r = 0;
    pthread_mutex_lock(&q->lock);
    if (q->unfinished <= 0)
        r = -1; /* more task_done calls than items put */
    else if (--q->unfinished == 0)
        pthread_cond_broadcast(&q->all_done);
    pthread_mutex_unlock(&q->lock);
    return r;
}

bool jq_join(struct jqueue *q, double timeout_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (timeout_ms > 1e12)
        timeout_ms = 1e12; /* 31 years, as good as for ever: in ns it still fits a long long */
    long long ns = t.tv_nsec + (long long)(timeout_ms * 1e6);
    t.tv_sec += ns / 1000000000;
    t.tv_nsec = ns % 1000000000;

    pthread_mutex_lock(&q->lock);
    /* The count, not the queue, says whether the work is done. */
    while (q->unfinished > 0) {
        if (timeout_ms < 0)
            pthread_cond_wait(&q->all_done, &q->lock);
        else if (pthread_cond_timedwait(&q->all_done, &q->lock, &t) == ETIMEDOUT)
            break;
    }
    bool done = q->unfinished == 0;
    pthread_mutex_unlock(&q->lock);
    return done;
}

void jq_destroy(struct jqueue *q)
{
    pipeq_close(&q->items);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->all_done);
    shared_free(q, sizeof *q);
}

void worker(struct jqueue *q, int id)
{
    for (int job; (job = jq_get(q)) != STOP;) {
        process(id, job);
        jq_task_done(q); /* after the work, not when the job is taken */
    }
}

int run_jobs(int nworkers, int njobs)
{
    struct jqueue *q = jq_create();
    pid_t pids[64];
    if (nworkers > 64)
        nworkers = 64;
    for (int w = 0; w < nworkers; w++)
        if ((pids[w] = Fork()) == 0) {
            worker(q, w);
            exit(0);
        }
    for (int job = 1; job <= njobs; job++)
        jq_put(q, job);
    jq_join(q, JQ_FOREVER); /* every job got and processed */
    int done = jobs_done();
    for (int w = 0; w < nworkers; w++)
        pipeq_put(&q->items, STOP); /* not counted: nobody joins for them */
    for (int w = 0; w < nworkers; w++)
        Waitpid(pids[w], NULL, 0);
    jq_destroy(q);
    return done;
}
