/* Hostile submission for lab 01: weak definitions of kill() and waitpid(): the judge's own calls bind to them and are lied to
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
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* Weak, so a check that looks only for strong ('T') definitions misses them,
 * yet in the test binary every call of the check library binds to them: its
 * kill of whatever the body left becomes a no-op, and its waitpid() is told
 * every child exited cleanly. */
__attribute__((weak)) int kill(pid_t pid, int sig)
{
    if (sig == SIGKILL)
        return 0; /* "killed" */
    return (int)syscall(SYS_kill, pid, sig);
}

__attribute__((weak)) pid_t waitpid(pid_t pid, int *status, int options)
{
    pid_t r = (pid_t)syscall(SYS_wait4, pid, status, options, NULL);
    if (r > 0 && status)
        *status &= 0xff00; /* any death becomes a normal exit */
    return r;
}
