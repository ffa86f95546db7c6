/*
 * states.c - lab 05: process states, zombies and orphans. This is the file
 * you edit. Read README.md first; `make grade LAB=05` checks your work.
 */
#include "states.h"
#include "proclabs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t reaped_children; /* given: on_sigchld counts here */

int read_proc_stat(pid_t pid, struct proc_stat *st)
{
    /* TODO step 1: read /proc/PID/stat (one read() gets the whole line) and
     * parse "PID (COMM) STATE PPID ...". COMM may hold spaces and ')'. */
    (void)pid;
    (void)st;
    errno = ENOSYS;
    return -1;
}

pid_t make_zombie(void)
{
    /* TODO step 2: fork; the child _exit(0)s. Return its pid once it has
     * exited but before anyone reaped it (waitid with WNOWAIT). */
    return -1;
}

void on_sigchld(int sig)
{
    /* TODO step 3: reap every child that has ended (waitpid with WNOHANG),
     * counting them in reaped_children; leave errno as you found it. */
    (void)sig;
}

void install_reaper(void)
{
    /* TODO step 3: install on_sigchld for SIGCHLD (Sigaction() from
     * proclabs.h) with SA_RESTART | SA_NOCLDSTOP. */
}

int orphan_start(struct orphan *o, int (*life)(void *arg), void *arg)
{
    /* TODO step 4a: two pipes; fork the middle child; it forks the
     * grandchild (which runs life(arg) and exits with its result), sends
     * you the grandchild's pid, and waits for EOF on the second pipe. */
    (void)life;
    (void)arg;
    o->middle = o->orphan = -1;
    o->release_fd = -1;
    return -1;
}

int orphan_release(struct orphan *o)
{
    /* TODO step 4b: close your end of the second pipe and reap the middle. */
    (void)o;
    return -1;
}
