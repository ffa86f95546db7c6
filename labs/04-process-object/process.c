/*
 * process.c - lab 04: a Process object. This is the file you edit.
 * Read README.md first; `make grade LAB=04` checks your work.
 */
#include "process.h"
#include "proclabs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void process_init(struct process *p, process_target target, void *arg, const char *name)
{
    /* TODO step 1: fill in every field. A NULL name becomes "Process-N":
     * keep a counter that outlives this call and moves for every object. */
    snprintf(p->name, sizeof p->name, "%s", name ? name : "Process-?");
    p->pid = 0;
    p->target = target;
    p->arg = arg;
    p->run = process_run;
    p->started = false;
    p->reaped = false;
    p->exitcode = EXITCODE_NONE;
}

int process_run(struct process *self)
{
    return self->target ? self->target(self->arg) : 0; /* given: nothing to do */
}

int process_start(struct process *p)
{
    /* TODO step 2: fork. The child runs p->run(p) and exits with what it
     * returned; the parent stores the pid, marks p started, returns 0. */
    (void)p;
    return -1;
}

bool process_is_alive(struct process *p)
{
    /* TODO step 3: a started, unreaped child is alive while
     * waitpid(pid, &status, WNOHANG) returns 0. When it returns the pid,
     * the child has ended: keep its exitcode. */
    (void)p;
    return false;
}

bool process_join(struct process *p, int timeout_ms)
{
    /* TODO step 4: JOIN_FOREVER: waitpid until the child ends. Otherwise
     * look with WNOHANG until the child has ended or timeout_ms passed
     * (now_ms() and sleep_ms(1) from proclabs.h). */
    (void)p;
    (void)timeout_ms;
    return false;
}

int process_exitcode(struct process *p)
{
    /* TODO step 5: reap without blocking, then decode the status:
     * WIFEXITED -> WEXITSTATUS, WIFSIGNALED -> -WTERMSIG. */
    (void)p;
    return EXITCODE_NONE;
}

int process_terminate(struct process *p)
{
    /* TODO step 6: SIGTERM to a started child that is not reaped yet. */
    (void)p;
    return -1;
}

int process_kill(struct process *p)
{
    /* TODO step 6: the same with SIGKILL. */
    (void)p;
    return -1;
}
