/* Hostile submission for lab 01: leaves a lock file in /run/lock (and holds a lock on it)
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * hostile.bats checks that nothing new is in /run/lock after the run. */
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
#include <sys/file.h>

static void misbehave(void)
{
    int fd = open("/run/lock/proclabs-leak.lock", O_RDWR | O_CREAT, 0644);
    if (fd >= 0) {
        flock(fd, LOCK_EX | LOCK_NB);
        dprintf(fd, "%d\n", (int)getpid());
        /* kept open: the lock lives as long as this process */
    }
    fd = open("/run/lock/LCK..proclabs", O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0)
        close(fd);
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
