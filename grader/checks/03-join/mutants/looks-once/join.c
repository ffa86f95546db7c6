/* join.c - lab 03, reference solution. */
#include "join.h"
#include "proclabs.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int exitcode_of(int status)
{
    if (WIFSIGNALED(status))
        return -WTERMSIG(status); /* killed: no exit code, Python says -signal */
    return WEXITSTATUS(status);
}

int join_timeout(pid_t pid, double timeout_ms, int *exitcode)
{
    int status;
    /* MUTANT: looks once with WNOHANG and gives up, never waits until the deadline */
    pid_t w = waitpid(pid, &status, timeout_ms < 0 ? 0 : WNOHANG);
    if (w == pid) {
        *exitcode = exitcode_of(status);
        return JOIN_DONE;
    }
    return w == 0 ? JOIN_RUNNING : JOIN_ERROR;
}

int run_all(int n, child_job job, int codes[])
{
    pid_t pids[MAX_CHILDREN];
    for (int i = 0; i < n; i++) { /* start them all: they run at once */
        pids[i] = Fork();
        if (pids[i] == 0)
            exit(job(i));
    }
    int joined = 0;
    for (int i = 0; i < n; i++) /* then join every one, not just the last */
        if (join_timeout(pids[i], -1, &codes[i]) == JOIN_DONE)
            joined++;
    return joined;
}
