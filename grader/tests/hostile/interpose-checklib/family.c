/* Hostile submission for lab 01: defines the check library's sandbox_run() and children_of(): student code would run inside the judge, unbounded, and pass
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

/* The layout of check.h's struct sandbox, as a student can read it in the
 * handout's copy of the check library. */
#include <stdbool.h>

struct sandbox {
    pid_t pid;
    int status;
    bool timed_out, returned;
    int stray_returns, unreaped, leftovers;
    double elapsed_ms;
    char *output;
    size_t output_len;
    bool output_truncated;
    double timeout_ms;
};

struct children {
    int alive, zombies;
    pid_t last;
};

/* Run the body right here in the judge, and say it returned cleanly. */
struct sandbox sandbox_run(void (*body)(void *), void *shared, double timeout_ms)
{
    struct sandbox r;
    memset(&r, 0, sizeof r);
    body(shared);
    r.pid = getpid();
    r.returned = true;
    r.timeout_ms = timeout_ms;
    r.output = calloc(1, 1);
    return r;
}

struct children children_of(pid_t pid)
{
    (void)pid;
    struct children c = {0, 0, 0};
    return c;
}
