/* Hostile submission for lab 01: tries to open the kit's checks and manifest for writing (writes
 * nothing) Self-limiting: if containment failed, this costs seconds, not the machine. */
#define _GNU_SOURCE
#include "family.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void try_write(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd >= 0) {
        printf("could write %s\n", path);
        close(fd);
    }
}

static void misbehave(void)
{
    const char *lib = getenv("CHECKLIB"); /* KIT/grader/checks/lib */
    if (!lib) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/../01-fork-getpid/test_family.c", lib);
    try_write(path);
    snprintf(path, sizeof path, "%s/../../manifest.json", lib);
    try_write(path);
}

struct who who_am_i(void)
{
    misbehave();
    struct who w = {0, 0};
    return w;
}

pid_t start_child(child_job job, int arg)
{
    (void)job;
    (void)arg;
    misbehave();
    return -1;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    (void)n;
    (void)job;
    (void)pids;
    (void)codes;
    misbehave();
    return 0;
}
