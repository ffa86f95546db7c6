/* daemon.c - lab 06, reference solution. */
#include "daemon.h"
#include "proclabs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Set in the daemon child only; every process forked later copies the value
 * of the process that forked it, so a daemon's flag never leaks upward. */
static bool daemonic;

bool is_daemon(void)
{
    return daemonic;
}

/* Python asserts the same: a daemon dies with its parent, so children of
 * its own would be orphaned the moment it dies. */
static bool refused_in_daemon(void)
{
    if (!daemonic) return false;
    fprintf(stderr, "%s\n", DAEMON_CHILD_ERROR);
    errno = EPERM;
    return true;
}

/* The child's end: run the job, flush what it printed, and leave without
 * running the parent's atexit handlers (Python's os._exit after the target). */
static void run_and_exit(job_fn job, void *arg)
{
    job(arg);
    fflush(NULL);
    _exit(0);
}

pid_t start_process(job_fn job, void *arg)
{
    if (refused_in_daemon()) return -1;
    fflush(NULL); /* or the child would print the parent's buffered output too */
    pid_t pid = fork();
    if (pid == 0) run_and_exit(job, arg);
    return pid;
}

pid_t start_daemon(job_fn job, void *arg)
{
    if (refused_in_daemon()) return -1;
    pid_t parent = getpid(); /* saved before fork: the child checks it below */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        daemonic = true;
        /* The kernel sends SIGKILL when the parent dies, however it dies:
         * an atexit handler would miss a SIGKILLed parent. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) _exit(1);
        /* If the parent died before prctl, no signal will ever come: we
         * were already given to a new parent. */
        if (getppid() != parent) _exit(1);
        run_and_exit(job, arg);
    }
    return pid;
}
