/* Hostile submission for lab 01: the functions are right, but the program
 * (./family, which the bats checks run while the Criterion checks run beside
 * it) first fills the student user's process limit with sleepers and leaves
 * a mark in the build folder. Each unit-check process waits for that mark
 * (at most 1 s) before doing its work, so that both happen at once: if the
 * two runs shared a student user, every fork of the unit checks would fail.
 * Self-limiting: the sleepers end after 3 s. */
#define _GNU_SOURCE
#include "family.h"
#include "proclabs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int in_program(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    return strcmp(base ? base + 1 : exe, "family") == 0;
}

static void misbehave(void)
{
    static int done;
    if (done++)
        return;
    if (in_program()) {
        for (int i = 0; i < 1100; i++) {
            pid_t p = fork();
            if (p == 0) {
                sleep(3);
                _exit(0);
            }
            if (p < 0)
                break; /* the limit: full */
        }
        close(open("starve-neighbour.mark", O_WRONLY | O_CREAT, 0666));
        return;
    }
    /* A unit check (in work/, one floor below): wait for the program's mark. */
    for (int i = 0; i < 100 && access("../starve-neighbour.mark", F_OK) != 0; i++) {
        struct timespec t = {0, 10 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
}

struct who who_am_i(void)
{
    misbehave();
    struct who me = {getpid(), getppid()};
    return me;
}

pid_t start_child(child_job job, int arg)
{
    misbehave();
    pid_t pid = fork();
    if (pid == 0)
        exit(job(arg));
    return pid;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    misbehave();
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
