/* process.c - lab 04, reference solution. */
#include "process.h"
#include "proclabs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h> /* __fpending */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int process_counter; /* objects made in this process so far */

void process_init(struct process *p, process_target target, void *arg, const char *name)
{
    int n = ++process_counter; /* every object takes a number, named or not */
    if (name)
        snprintf(p->name, sizeof p->name, "%s", name);
    else
        snprintf(p->name, sizeof p->name, "Process-%d", n);
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
    return self->target ? self->target(self->arg) : 0;
}

/* Flush what printf() left in a standard stream's buffer, if anything:
 * __fpending() only looks, so an empty stream costs nothing. */
static void flush_std_streams(void)
{
    if (__fpending(stdout)) fflush(stdout);
    if (__fpending(stderr)) fflush(stderr);
}

int process_start(struct process *p)
{
    if (p->started) return -1;
    flush_std_streams(); /* else the child would print the parent's pending output again */
    pid_t pid = fork();
    if (pid < 0) return -1;
    /* The child runs p->run, which a "subclass" may have replaced, then
     * leaves as Python's Process does: flush stdout and stderr, _exit().
     * Not exit(): its atexit handlers and stdio clean-up belong to the
     * parent, and every page they write costs the child a copy-on-write
     * fault (see "Speed" in the README). */
    if (pid == 0) {
        int code = p->run(p);
        flush_std_streams();
        _exit(code);
    }
    p->pid = pid;
    p->started = true;
    return 0;
}

/* Collect the child if it has ended (WNOHANG) or once it ends (0).
 * 1 when it is reaped, 0 while it runs, -1 on error (EINTR, not a child). */
static int reap(struct process *p, int options)
{
    if (!p->started) {
        errno = ECHILD;
        return -1;
    }
    if (p->reaped) return 1;
    int status;
    pid_t r = waitpid(p->pid, &status, options);
    if (r != p->pid) return r == 0 ? 0 : -1;
    p->reaped = true;
    /* A signal death is -signal, as in Python; WEXITSTATUS would say 0. */
    p->exitcode = WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
    return 1;
}

bool process_is_alive(struct process *p)
{
    /* Not kill(pid, 0): that succeeds for a zombie too. */
    return reap(p, WNOHANG) == 0;
}

bool process_join(struct process *p, int timeout_ms)
{
    int r;
    if (timeout_ms < 0) {
        while ((r = reap(p, 0)) < 0 && errno == EINTR)
            ; /* a signal interrupted waitpid: wait again */
        return r == 1;
    }
    double deadline = now_ms() + timeout_ms;
    while ((r = reap(p, WNOHANG)) == 0 && now_ms() < deadline)
        sleep_ms(1); /* look again soon: the deadline is kept within a ms */
    return r == 1;
}

int process_exitcode(struct process *p)
{
    reap(p, WNOHANG);
    return p->reaped ? p->exitcode : EXITCODE_NONE;
}

static int signal_child(struct process *p, int sig)
{
    if (!p->started || p->reaped) return -1; /* the pid may belong to someone else by now */
    return kill(p->pid, sig);
}

int process_terminate(struct process *p)
{
    return signal_child(p, SIGTERM);
}

int process_kill(struct process *p)
{
    return signal_child(p, SIGKILL);
}
