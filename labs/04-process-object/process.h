/*
 * process.h - lab 04: a Process object. (Given: do not edit.)
 *
 * Python: multiprocessing.Process(target=f, args=(x,), name=None) with
 *         start(), join(timeout), is_alive(), terminate(), kill(), pid,
 *         name, exitcode, and run() that a subclass overrides.
 *
 * Usage:
 *     struct process p;
 *     process_init(&p, worker, &data, NULL);    // name "Process-1"
 *     process_start(&p);                        // fork: the child runs p.run(&p)
 *     if (!process_join(&p, 500))               // wait at most 500 ms
 *         process_terminate(&p);                // SIGTERM
 *     process_join(&p, JOIN_FOREVER);
 *     printf("%s exited with %d\n", p.name, process_exitcode(&p));
 */
#ifndef PROCESS_H
#define PROCESS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/* exitcode while the process has not been started or is still running
 * (Python's None). */
#define EXITCODE_NONE INT_MIN

/* process_join() timeout that waits as long as it takes (Python: join()). */
#define JOIN_FOREVER (-1)

struct process;

/* What the child runs. The return value is the child's exit code (0-255). */
typedef int (*process_target)(void *arg);
/* A run method: gets the object itself, returns the exit code. */
typedef int (*process_run_fn)(struct process *self);

struct process {
    char name[64]; /* "Process-N" unless a name was given */
    pid_t pid;     /* 0 before start(), then the child's pid */
    process_target target;
    void *arg;
    process_run_fn run; /* process_run unless a "subclass" replaced it */
    /* Private: kept by your functions. */
    bool started;
    bool reaped;  /* waitpid() has collected the child */
    int exitcode; /* valid once reaped */
};

/* Step 1. Set up an object: target and arg as given, run = process_run,
 * pid 0, not started, exitcode none. name NULL means "Process-N", where N
 * counts every process_init() call in this process, named or not (the
 * first object made is Process-1, even if it was given a name). A given
 * name is copied. */
void process_init(struct process *p, process_target target, void *arg, const char *name);

/* The default run method: return target(arg), or 0 when target is NULL.
 * A "subclass" embeds struct process first and sets .run to its own
 * function after process_init (see README). */
int process_run(struct process *self);

/* Step 2. Fork. The child calls p->run(p) and exits with its result; it
 * never returns from process_start. The parent records the pid and returns
 * 0 at once. -1 if fork fails or p was already started. */
int process_start(struct process *p);

/* Step 3. Is the child still running? false before start and once it has
 * ended, even if nobody waited for it yet (a zombie is not alive): a
 * finished child is reaped here and its exitcode kept. */
bool process_is_alive(struct process *p);

/* Step 4. Wait for the child to end, at most timeout_ms milliseconds
 * (JOIN_FOREVER: no limit; 0: just look). true when it has ended (and has
 * been reaped, its exitcode kept), false when the time ran out first or p
 * was never started. */
bool process_join(struct process *p, int timeout_ms);

/* Step 5. The exit code: EXITCODE_NONE before start and while running;
 * N when the child exited with N (returned N from run, or called exit(N));
 * -S when signal S killed it (-15 after terminate, -9 after kill). Like
 * Python's property it reaps a finished child without blocking. */
int process_exitcode(struct process *p);

/* Step 6. Send SIGTERM (terminate) or SIGKILL (kill) to a started child
 * that has not been reaped; do not wait. 0, or -1 if there is no such
 * child. */
int process_terminate(struct process *p);
int process_kill(struct process *p);

#endif
