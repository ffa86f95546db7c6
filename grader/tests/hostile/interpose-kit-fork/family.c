/* Hostile submission for lab 01: defines the kit's Fork() wrapper
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * A correct solution otherwise: only refusing it at build makes it score 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "family.h"
#include "proclabs.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct who who_am_i(void)
{
    struct who me = {getpid(), getppid()};
    return me;
}

pid_t start_child(child_job job, int arg)
{
    pid_t pid = fork();
    if (pid == 0)
        exit(job(arg)); /* the child never returns to the caller */
    return pid;         /* the parent: the child's pid, or -1 */
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    for (int i = 0; i < n; i++)
        pids[i] = start_child(job, i);

    int reaped = 0;
    for (int i = 0; i < n; i++) {
        int status;
        if (pids[i] > 0 && Waitpid(pids[i], &status, 0) == pids[i]) {
            codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            reaped++;
        }
    }
    return reaped;
}

/* Fork(), which the kit's scaffolding and other checks use to start
 * processes, now also tells this file who forked. */
int forks_seen;

pid_t Fork(void)
{
    forks_seen++;
    pid_t pid = fork();
    if (pid < 0)
        pid = 0; /* "never fails": the caller carries on as the child */
    return pid;
}
