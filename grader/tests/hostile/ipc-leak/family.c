/* Hostile submission for lab 01: leaks POSIX shared memory and semaphores and System V objects
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

#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>

static void misbehave(void)
{
    int fd = shm_open("/proclabs_leak", O_CREAT | O_RDWR, 0600);
    if (fd >= 0) close(fd);
    sem_t *s = sem_open("/proclabs_leak_sem", O_CREAT, 0600, 1);
    if (s != SEM_FAILED) sem_close(s);
    shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
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
