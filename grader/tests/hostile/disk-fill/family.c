/* Hostile submission for lab 01: fills the disk (bounded at 1 GB)
 * Self-limiting: if containment failed, this costs seconds, not the machine. */
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

static void misbehave(void)
{
    static char block[1 << 20];
    memset(block, 'd', sizeof block);
    for (int f = 0; f < 10; f++) {
        char name[32];
        snprintf(name, sizeof name, "fill.%d", f);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) return;
        for (int i = 0; i < 100; i++)
            if (write(fd, block, sizeof block) < 0) break;
        close(fd);
    }
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
