/*
 * workers.h - lab 18: the pool's workers, given ready-made. (Given: do not
 * edit.) Lab 17 is where you build a pool; here the workers are done for
 * you, so that you can build what sits on top: asynchronous results and
 * callbacks (apool.h).
 *
 * n worker processes share a task pipe and a result pipe. Each worker
 * loops: read a struct task, call the runner you gave workers_start() on
 * it, send back the struct task_result. Messages are far smaller than
 * PIPE_BUF, so they are never torn or mixed.
 */
#ifndef WORKERS_H
#define WORKERS_H

#include <sys/types.h>

enum { WORKERS_MAX = 8 };

/* A task: gets one number, sets *value and returns 0 on success, or
 * returns an error code above 0 when it fails (Python: raises). */
typedef int (*task_fn)(long arg, long *value);
/* Called with a successful task's value (Python: callback=). */
typedef void (*result_cb)(long value, void *ctx);
/* Called with a failed task's error code (Python: error_callback=). */
typedef void (*error_cb)(int error, void *ctx);

/* Everything apply_async() was given, sent whole to a worker. */
struct task {
    int id; /* which async_result it belongs to */
    task_fn fn;
    long arg;
    result_cb callback;
    error_cb error_callback;
    void *ctx;
};

/* What a worker sends back for one task. */
struct task_result {
    int id;       /* the task's id (set by the worker loop) */
    pid_t worker; /* the worker that ran it (set by the worker loop) */
    int ok;       /* 1: value is valid; 0: the task failed with error */
    long value;
    int error;
};

/* Runs in a worker: do one task and fill in ok, value and error. */
typedef void (*task_runner)(const struct task *t, struct task_result *res);

struct workers {
    int n;
    pid_t pids[WORKERS_MAX];
    int task_fd;   /* the main process writes struct task here */
    int result_fd; /* and reads struct task_result here */
};

/* Fork n workers (1 to WORKERS_MAX), each running run() on every task it
 * reads. 0, or -1 when n is out of range. */
int workers_start(struct workers *w, int n, task_runner run);

/* Hand a task to whichever worker is free. 0, or -1 on error. */
int workers_send(struct workers *w, const struct task *t);

/* Wait at most timeout_ms (-1: no limit, 0: just look) for the next
 * result, from any worker, in the order they finish. 1: *res filled; 0:
 * none arrived in time; -1: none can ever come (every worker is gone, or
 * workers_stop/workers_kill ended them). */
int workers_recv(struct workers *w, struct task_result *res, int timeout_ms);

/* No more tasks: the workers finish the tasks already sent, then exit;
 * wait for every one of them. Results not yet read are lost. Both pipe
 * ends are closed and set to -1: afterwards workers_recv gives -1 and
 * workers_send -1, whatever the numbers are reused for. */
void workers_stop(struct workers *w);

/* Stop the workers now (SIGTERM) and wait for them. */
void workers_kill(struct workers *w);

#endif
