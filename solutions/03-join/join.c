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
    double deadline = now_ms() + timeout_ms; /* monotonic: immune to clock changes */
    for (;;) {
        int status;
        pid_t w = waitpid(pid, &status, timeout_ms < 0 ? 0 : WNOHANG);
        if (w > 0) { /* not w == pid: for pid 0 that is "none ended yet" */
            *exitcode = exitcode_of(status);
            return JOIN_DONE;
        }
        if (w < 0 && errno != EINTR)
            return JOIN_ERROR;
        double left = deadline - now_ms();
        if (w == 0 && left <= 0)
            return JOIN_RUNNING; /* still running: leave it so, the caller decides */
        if (w == 0)
            sleep_ms(left < 1 ? left : 1); /* look again in a millisecond */
    }
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
