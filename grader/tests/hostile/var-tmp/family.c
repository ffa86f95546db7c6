/* Hostile submission for lab 01: leaves a setuid-bit file and a plain file in /var/tmp for the next run to find
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * hostile.bats checks that nothing new is in /var/tmp after the run. */
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

static void misbehave(void)
{
    /* A setuid-bit copy of nothing harmful (an empty file): what matters is
     * that the next student, or the machine, would find it. */
    int fd = open("/var/tmp/proclabs-leak-setuid", O_WRONLY | O_CREAT, 0755);
    if (fd >= 0) {
        fchmod(fd, 04755);
        close(fd);
    }
    fd = open("/var/tmp/proclabs-leak-note", O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (fd >= 0) {
        dprintf(fd, "left by pid %d\n", (int)getpid());
        close(fd);
    }
    mkdir("/var/tmp/proclabs-leak-dir", 01777);
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
