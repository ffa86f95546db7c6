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
    (void)timeout_ms; /* MUTANT: the timeout is ignored, waitpid blocks */
    int status;
    if (Waitpid(pid, &status, 0) != pid)
        return JOIN_ERROR;
    *exitcode = exitcode_of(status);
    return JOIN_DONE;
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
