/* Hostile submission for lab 01: leaves a process running after the program ends, named
 * "x) Z 1 1 1" so that a reader of /proc/PID/stat that takes the first ')' sees a zombie of
 * another session. Otherwise the reference solution. Self-limiting: the process sleeps 20 s. */
#define _GNU_SOURCE
#include "family.h"
#include "proclabs.h"

#include <stdlib.h>
#include <sys/prctl.h>
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
        exit(job(arg));
    return pid;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    for (int i = 0; i < n; i++)
        pids[i] = start_child(job, i);
    int reaped = 0;
    for (int i = 0; i < n; i++) {
        int status;
        if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i]) {
            codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            reaped++;
        }
    }
    if (fork() == 0) { /* the disguised leftover */
        prctl(PR_SET_NAME, "x) Z 1 1 1");
        sleep(20);
        _exit(0);
    }
    return reaped;
}
